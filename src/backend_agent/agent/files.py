"""The agent's hands on the project: confined reads, writes and exact-match edits.

Every path the model names is checked here before anything is read or written: it must
stay inside the project root (no absolute paths, no `..`, no symlink leading out) and must
not be a secret (`.env`, keys) or tool state (`.backend-agent/`, `.git/`, `.venv/`).
Tests are guarded too, because the cheapest way to make a failing suite pass is to weaken
it: existing tests, `conftest.py` and the checks' settings are only writable when the
user's request is about tests (new test files are always welcome), and no write may drop
an `assert` a test file had. Refusals are `Refused` errors whose message
tells the model what to do instead; the tool layer hands them back as tool output.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backend_agent.blueprint import BLUEPRINT_FILE, parse_blueprint
from backend_agent.errors import BackendAgentError

MAX_READ_BYTES = 200_000
"""Larger files are not sent to the model whole: they would crowd out the conversation."""

PRIVATE_DIRS = frozenset({".backend-agent", ".git", ".venv", "venv", "node_modules"})
"""Tool state and environments: the agent changes the project through operations instead."""

CACHE_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
"""Tool caches: neither source nor worth the model's attention."""

SECRET_PATTERNS = (".env*", "*.pem", "*.key", "id_rsa*")
SECRET_EXCEPTIONS = frozenset({".env.example"})

TESTS_DIR = "tests"
PYPROJECT = "pyproject.toml"
CHECK_CONFIG_FILES = frozenset({"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "mypy.ini"})
"""Files that decide what the tests and type checks demand: guarded like existing tests."""
CHECK_SETTINGS = ("pytest", "mypy", "ruff", "coverage")
"""The `[tool.*]` tables of pyproject.toml that configure the checks verify runs."""
_MENTIONS_TESTS = re.compile(r"\b(tests?|testing|pytest|mypy|ruff|lint(ing)?)\b", re.IGNORECASE)


class Refused(BackendAgentError):
    """A file request the agent may not carry out; the message says what to do instead."""


def is_secret(name: str) -> bool:
    """Whether a file name looks like it holds credentials (never read, never written)."""
    if name in SECRET_EXCEPTIONS:
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_PATTERNS)


def is_hidden_from_agent(relative: PurePosixPath) -> bool:
    """Whether a project-relative path is off limits: state, environments, caches, secrets."""
    parts = relative.parts
    return (
        any(part in PRIVATE_DIRS or part in CACHE_DIRS for part in parts)
        or (bool(parts) and is_secret(parts[-1]))
        or relative.suffix == ".pyc"
    )


def mentions_tests(request: str) -> bool:
    """Whether the request is about tests or checks: that unlocks changing existing tests."""
    return bool(_MENTIONS_TESTS.search(request))


@dataclass
class Workspace:
    """The project folder as the agent may see and change it.

    Records every path it writes, so the session can report and snapshot exactly what the
    run touched.
    """

    root: Path
    """The project root, resolved; nothing outside it is reachable."""
    allow_test_edits: bool = False
    """True when the request is about tests or the checks (pytest, mypy, ruff): existing
    tests and suppression comments may then change, but no assert may be removed."""
    written: set[str] = field(default_factory=set)
    """Project-relative paths this workspace wrote."""

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    def resolve(self, path: str) -> tuple[Path, str]:
        """Check a path the model gave and return it absolute and project-relative.

        Raises:
            Refused: the path leaves the project, or names a secret or tool state.
        """
        text = path.strip()
        if not text:
            raise Refused("empty path: give a path relative to the project root, e.g. app/main.py")
        lexical = PurePosixPath(text.replace("\\", "/"))
        if lexical.is_absolute() or text.startswith("~") or re.match(r"^[A-Za-z]:", text):
            raise Refused(
                f"{path!r} is absolute: give a path relative to the project root, "
                "e.g. app/services/users.py"
            )
        if ".." in lexical.parts:
            raise Refused(f"{path!r} contains '..': paths must stay inside the project root")
        target = (self.root / lexical).resolve()
        if not target.is_relative_to(self.root):
            raise Refused(
                f"{path!r} leads outside the project (through a symlink); "
                "only files inside the project root are reachable"
            )
        relative = PurePosixPath(target.relative_to(self.root).as_posix())
        for candidate in (lexical, relative):
            if any(is_secret(part) for part in candidate.parts):
                raise Refused(
                    f"{path!r} holds secrets and is off limits; configuration belongs in "
                    "app/core/config.py (read from the environment) and .env.example"
                )
            if is_hidden_from_agent(candidate):
                raise Refused(
                    f"{path!r} is tool state, an environment or a cache, not project source; "
                    "change the project through the operations and the source files instead"
                )
        if relative == PurePosixPath("."):
            raise Refused(f"{path!r} is the project root, not a file")
        return target, relative.as_posix()

    def read(self, path: str) -> str:
        """The text of a project file."""
        target, relative = self.resolve(path)
        if target.is_dir():
            raise Refused(f"{relative} is a folder; describe_project lists the files")
        if not target.is_file():
            raise Refused(f"{relative} does not exist; describe_project lists the files")
        if target.stat().st_size > MAX_READ_BYTES:
            raise Refused(f"{relative} is larger than {MAX_READ_BYTES} bytes; not sent")
        try:
            return target.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise Refused(f"{relative} is not UTF-8 text") from None

    def write(self, path: str, content: str) -> str:
        """Create or replace a file; returns a one-line account of what happened."""
        target, relative = self.resolve(path)
        if target.is_dir():
            raise Refused(f"{relative} is a folder; give a file path")
        before = self._current(target, relative)
        self._check_allowed(relative, before, content)
        if before == content:
            return f"{relative}: unchanged"
        _write_atomically(target, content)
        self.written.add(relative)
        verb = "created" if before is None else "updated"
        return f"{relative}: {verb} ({len(content.encode('utf-8'))} bytes)"

    def edit(self, path: str, search: str, replace: str) -> str:
        """Replace the one exact occurrence of `search` in a file."""
        target, relative = self.resolve(path)
        if not search:
            raise Refused("search text is empty: copy the exact lines to replace from the file")
        if not target.is_file():
            raise Refused(f"{relative} does not exist; use write_file to create it")
        current = self.read(relative)
        count = current.count(search)
        if count == 0:
            raise Refused(
                f"search text not found in {relative}: read_file it again and copy the exact "
                "text, including indentation and blank lines"
            )
        if count > 1:
            raise Refused(
                f"search text occurs {count} times in {relative}: include more surrounding "
                "lines so it matches exactly once"
            )
        return self.write(relative, current.replace(search, replace, 1))

    def _current(self, target: Path, relative: str) -> str | None:
        if not target.exists():
            return None
        return self.read(relative)

    def _check_allowed(self, relative: str, before: str | None, after: str) -> None:
        _check_tests_kept(relative, before, after, unlocked=self.allow_test_edits)
        if relative.endswith(".py") and not self.allow_test_edits:
            _check_no_new_suppressions(relative, before or "", after)
        if relative.endswith(".py"):
            try:
                ast.parse(after, filename=relative)
            except SyntaxError as error:
                raise Refused(
                    f"not written: {relative} would not parse (line {error.lineno}: "
                    f"{error.msg}); send the whole corrected text"
                ) from None
        if relative == BLUEPRINT_FILE:
            try:
                parse_blueprint(after)
            except BackendAgentError as error:
                raise Refused(f"not written: {error}") from None


def _check_tests_kept(relative: str, before: str | None, after: str, *, unlocked: bool) -> None:
    """Refuse changes that could make verification pass by asking less of the code.

    New test files may always be added. Existing tests, `conftest.py` files and the
    checks' settings change only when the request is about tests, and asserts never go.
    """
    path = PurePosixPath(relative)
    is_test = path.parts[0] == TESTS_DIR or path.name == "conftest.py"
    if relative == PYPROJECT:
        changed = before is not None and _check_settings(before) != _check_settings(after)
        if changed and not unlocked:
            raise Refused(
                f"not written: the change alters how tests, mypy or ruff run "
                f"([tool.*] in {PYPROJECT}) and the request does not ask for that; "
                "make the code pass the checks as configured"
            )
        return
    guarded = path.name in CHECK_CONFIG_FILES or (is_test and before is not None)
    if guarded and not unlocked:
        raise Refused(
            f"not written: {relative} is an existing test or test configuration and the "
            "request does not ask for test changes; make the code satisfy the tests (you may "
            "add new test files under tests/)"
        )
    if not is_test or before is None:
        return
    missing = _asserts(before) - _asserts(after)
    if missing:
        first = next(iter(missing.elements()))
        raise Refused(
            f"not written: the change would remove {missing.total()} assert statement(s) from "
            f"{relative} (e.g. `{first}`); tests may gain asserts, never lose them"
        )


SUPPRESSIONS = re.compile(r"#\s*(type:\s*ignore|noqa|pragma:\s*no\s*cover)", re.IGNORECASE)
"""Comments that silence mypy, ruff or coverage instead of fixing what they report."""


def _check_no_new_suppressions(relative: str, before: str, after: str) -> None:
    added = len(SUPPRESSIONS.findall(after)) - len(SUPPRESSIONS.findall(before))
    if added > 0:
        raise Refused(
            f"not written: the change adds {added} `# type: ignore`/`# noqa` comment(s) to "
            f"{relative}; fix what the checker reports instead of silencing it"
        )


def _check_settings(text: str) -> dict[str, object]:
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"not written: {PYPROJECT} would not parse as TOML ({error})") from None
    return {key: tool.get(key) for key in CHECK_SETTINGS}


def _asserts(text: str) -> Counter[str]:
    """The assert statements of a module, normalised so formatting changes do not count."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return Counter(
            line.strip() for line in text.splitlines() if line.strip().startswith("assert")
        )
    return Counter(ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Assert))


def _write_atomically(target: Path, content: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        os.chmod(name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
