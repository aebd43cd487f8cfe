"""Finding `commit()` calls: shared by the rules about where commits happen."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.flow import Flow, walk_flow
from backend_agent.audit.inference import types_in
from backend_agent.audit.parsed_module import Function, ParsedModule

DB_LIBRARIES = (
    "sqlalchemy",
    "sqlmodel",
    "asyncpg",
    "psycopg",
    "psycopg2",
    "sqlite3",
    "aiosqlite",
    "databases",
)


def commits(module: ParsedModule, function: Function) -> Iterator[tuple[ast.Call, Flow]]:
    """`x.commit()` calls in a function, with their flow.

    The receiver must be a session or connection by type; a receiver of unknown type
    counts in a module that imports a database library or sits in a project layer.
    """
    env = types_in(module, function)
    untyped_ok = module.layer is not None or module.imports_any(*DB_LIBRARIES)
    for node, flow in walk_flow(function):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
        ):
            continue
        found = env.infer(node.func.value)
        if found is None and not untyped_ok:
            continue
        if found is not None and found.kind not in ("session", "connection"):
            continue
        yield node, flow


def is_script(module: ParsedModule) -> bool:
    """Scripts, CLIs and migrations commit per batch or per item to keep their progress."""
    return module.is_script


def rolls_back(guard: ast.Try | ast.TryStar | None) -> bool:
    """Whether a `try` rolls back in one of its handlers (a deliberate commit per item)."""
    if guard is None:
        return False
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "rollback"
        for handler in guard.handlers
        for node in ast.walk(handler)
    )


def has_commit(module: ParsedModule) -> bool:
    """Cheap pre-check: the text mentions `.commit(` at all."""
    return ".commit(" in module.text


def owns_lines(module: ParsedModule, statement: ast.stmt) -> bool:
    """Whether the statement stands alone on its lines (no `;` neighbours, no trailing code)."""
    if statement.end_lineno is None or statement.end_col_offset is None:
        return False
    first = module.lines[statement.lineno - 1].encode()
    last = module.lines[statement.end_lineno - 1].encode()
    before = first[: statement.col_offset].strip()
    after = last[statement.end_col_offset :].strip()
    return not before and (not after or after.startswith(b"#"))
