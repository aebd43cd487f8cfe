"""The agent's hands on the project: confined reads, writes and exact-match edits.

Every path the model names is checked here before anything is read or written: it must
stay inside the project root (no absolute paths, no `..`, no symlink leading out, no hard
link whose content is shared with another file) and must not be a secret (`.env`, keys)
or tool state (`.backend-agent/`, `.git/`, `.venv/`). Every write must also pass `guards`
(no weakened checks). Refusals are `Refused` errors whose message tells the model what to
do instead; the tool layer hands them back as tool output.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backend_agent.agent.guards import Refused, check_content, check_path
from backend_agent.blueprint import BLUEPRINT_FILE, parse_blueprint
from backend_agent.errors import BackendAgentError
from backend_agent.write.atomic import write_atomically

MAX_READ_BYTES = 200_000
"""Larger files are not sent to the model whole: they would crowd out the conversation."""

PRIVATE_DIRS = frozenset({".backend-agent", ".git", ".venv", "venv", "node_modules"})
"""Tool state and environments: the agent changes the project through operations instead."""

CACHE_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}
)
"""Tool caches: neither source nor worth the model's attention."""

SECRET_PATTERNS = (".env*", "*.pem", "*.key", "id_rsa*")
SECRET_EXCEPTIONS = frozenset({".env.example"})

__all__ = ["Refused", "Workspace", "is_hidden_from_agent", "is_linked", "is_secret"]


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


def is_linked(path: Path) -> bool:
    """Whether a file is a symlink or a hard link (its content is shared with another name).

    A hard link to a file outside the project looks like an ordinary file inside it; since
    the other name cannot be found cheaply, every shared inode is kept out of reach.
    """
    return path.is_symlink() or (path.is_file() and path.stat().st_nlink > 1)


@dataclass
class Workspace:
    """The project folder as the agent may see and change it.

    Records every path it writes, so the session can report and snapshot exactly what the
    run touched.
    """

    root: Path
    """The project root, resolved; nothing outside it is reachable."""
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
        if is_linked(target):
            raise Refused(
                f"{path!r} is a hard link: its content is shared with another file, possibly "
                "outside the project, so it is out of reach"
            )
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
        write_atomically(target, content.encode("utf-8"))
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
        check_path(relative, before, after)
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
        check_content(relative, before, after)
