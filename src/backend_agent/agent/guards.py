"""What the agent may not write, because it would make verification pass by asking less.

The cheapest way to turn a failing check green is to move the check: configure it away,
silence it in the file, or skip the test. So, whatever the request says:
- the checks' configuration is out of reach: every file ruff, mypy, pytest, coverage,
  Alembic and our auditor read settings from (`conftest.py` included), stubs that replace
  what mypy sees, and Python files outside `app/`, `tests/` and `migrations/versions/`
  (a `pytest.py` at the root would run instead of pytest);
- no suppression is added, line-level (`# noqa`, `# type: ignore`) or file-level
  (`# ruff: noqa`, `# mypy: ignore-errors`, `# pyright:`, `# fmt: off`);
- tests only grow: no test function or assert disappears, and no skip, xfail, `if False:`
  or early `return` is added to a test.
Each refusal is a `Refused` whose message tells the model what to do instead. The run then
checks outcomes too (every test that passed before still passes), in case a way around
these rules exists.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from collections import Counter
from pathlib import PurePosixPath

from backend_agent.errors import BackendAgentError

CHECK_CONFIG_FILES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "pytest.toml",
        ".pytest.toml",
        "tox.ini",
        "setup.cfg",
        "mypy.ini",
        ".mypy.ini",
        "ruff.toml",
        ".ruff.toml",
        ".coveragerc",
        "alembic.ini",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
"""File names that configure a check wherever they sit (ruff and pytest also read nested ones)."""
CHECK_CONFIG_PATHS = frozenset({"migrations/env.py"})
"""What `alembic check` compares the models with."""
PYPROJECT = "pyproject.toml"
CHECK_TABLES = ("pytest", "mypy", "ruff", "coverage", "backend-agent")
"""The `[tool.*]` tables of any pyproject.toml that configure the checks verify runs."""
PYTHON_HOMES = ("app/", "tests/", "migrations/versions/")
"""Where the agent's Python files may live."""
TESTS_DIR = "tests"

_SUPPRESSION = re.compile(
    r"#\s*(type:\s*ignore|noqa|pragma:\s*no\s*cover|ruff\s*:|mypy\s*:|pyright\s*:|isort\s*:"
    r"|fmt\s*:\s*(off|skip))",
    re.IGNORECASE,
)
"""Comments that silence a checker for a line or a whole file instead of fixing the code."""
_SKIPPING_NAMES = frozenset(
    {"skip", "skipif", "xfail", "importorskip", "skipTest", "expectedFailure", "skipUnless"}
)


class Refused(BackendAgentError):
    """A file request the agent may not carry out; the message says what to do instead."""


def check_path(relative: str, before: str | None, after: str) -> None:
    """Refuse a write to a file that configures the checks or could stand in for a tool.

    Args:
        relative: Project-relative path, as the workspace resolved it.
        before: The file's text now (None: it does not exist yet).
        after: The text the agent wants it to hold.

    Raises:
        Refused: the message says what to do instead.
    """
    path = PurePosixPath(relative)
    if path.name == PYPROJECT:
        _check_pyproject(relative, before, after)
    elif path.name in CHECK_CONFIG_FILES or relative in CHECK_CONFIG_PATHS:
        raise Refused(
            f"not written: {relative} configures the checks verify runs, and the run is judged "
            "by the checks as they were before it; make the code pass them as configured "
            "(fixtures belong in the test module that uses them)"
        )
    if path.suffix in {".pyi", ".pth"}:
        raise Refused(
            f"not written: {relative} would change what the type checker or the interpreter "
            "sees; write the typed code itself under app/"
        )
    if path.suffix == ".py" and not relative.startswith(PYTHON_HOMES):
        raise Refused(
            f"not written: Python files belong under {', '.join(PYTHON_HOMES)} (a module "
            "elsewhere could stand in for a tool the checks run); put it there"
        )


def check_content(relative: str, before: str | None, after: str) -> None:
    """Refuse Python that silences a checker, or a test change that asks less.

    Raises:
        Refused: the message says what to do instead.
    """
    if not relative.endswith(".py"):
        return
    _check_no_new_suppressions(relative, before or "", after)
    if is_test_file(relative):
        _check_tests_kept(relative, before or "", after)


def is_test_file(relative: str) -> bool:
    path = PurePosixPath(relative)
    return path.parts[0] == TESTS_DIR or path.name.startswith("test_")


def _check_pyproject(relative: str, before: str | None, after: str) -> None:
    if _check_tables(before or "", relative) != _check_tables(after, relative):
        raise Refused(
            f"not written: the change alters how the checks run ([tool.*] in {relative}), and "
            "the run is judged by the checks as they were before it; make the code pass them "
            "as configured"
        )


def _check_tables(text: str, relative: str) -> dict[str, object]:
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"not written: {relative} would not parse as TOML ({error})") from None
    return {key: tool.get(key) for key in CHECK_TABLES}


def _check_no_new_suppressions(relative: str, before: str, after: str) -> None:
    added = _suppressions(after) - _suppressions(before)
    if added:
        shown = ", ".join(f"`{comment}`" for comment in sorted(added))
        raise Refused(
            f"not written: the change adds {shown} to {relative}; fix what the checker "
            "reports instead of silencing it"
        )


def _suppressions(text: str) -> Counter[str]:
    """Each suppressing comment, by the directive it starts with."""
    found: Counter[str] = Counter()
    for comment in _comments(text):
        for match in _SUPPRESSION.finditer(comment):
            found[" ".join(match.group(0).lower().split())] += 1
    return found


def _comments(text: str) -> list[str]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return [line[line.index("#") :] for line in text.splitlines() if "#" in line]
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def _check_tests_kept(relative: str, before: str, after: str) -> None:
    old, new = _TestShape.of(before), _TestShape.of(after)
    if missing := old.tests - new.tests:
        raise Refused(
            f"not written: the change would remove or rename {len(missing)} test(s) in "
            f"{relative} ({', '.join(sorted(missing))}); tests only grow: fix the code instead"
        )
    if missing_asserts := old.asserts - new.asserts:
        first = next(iter(missing_asserts.elements()))
        raise Refused(
            f"not written: the change would remove {missing_asserts.total()} assert "
            f"statement(s) from {relative} (e.g. `{first}`); tests may gain asserts, never "
            "lose them"
        )
    if added := new.escapes - old.escapes:
        shown = ", ".join(f"`{escape}`" for escape in sorted(added))
        raise Refused(
            f"not written: the change adds {shown} to tests in {relative}; a test that does "
            "not run proves nothing: make the code pass it"
        )


class _TestShape:
    """What a test module demands: its tests, its asserts, and its ways out of running."""

    def __init__(self) -> None:
        self.tests: set[str] = set()
        self.asserts: Counter[str] = Counter()
        self.escapes: Counter[str] = Counter()

    @classmethod
    def of(cls, text: str) -> _TestShape:
        shape = cls()
        if not text.strip():
            return shape
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return shape
        shape._visit(tree.body, prefix="")
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                shape.asserts[ast.unparse(node)] += 1
            elif isinstance(node, ast.Attribute) and node.attr in _SKIPPING_NAMES:
                shape.escapes[node.attr] += 1
            elif isinstance(node, ast.Call) and _called_name(node) in _SKIPPING_NAMES:
                shape.escapes[_called_name(node)] += 1
            elif isinstance(node, ast.If | ast.While) and _always_false(node.test):
                shape.escapes[f"if {ast.unparse(node.test)}:"] += 1
        return shape

    def _visit(self, body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                self._visit(node.body, prefix=f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                self.tests.add(prefix + node.name)
                self.escapes["early return"] += _early_returns(node)


def _called_name(call: ast.Call) -> str:
    """`skip` for `skip(...)` imported bare (`from pytest import skip`)."""
    return call.func.id if isinstance(call.func, ast.Name) else ""


def _always_false(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return not test.value
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Constant) and bool(test.operand.value)
    return False


def _early_returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """`return` statements of a test itself (a nested helper may return)."""
    count = 0
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            count += 1
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return count
