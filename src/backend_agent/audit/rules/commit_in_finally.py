"""Commit in finally: `commit()` in a `finally` block runs even when the work failed.

What it finds:
    A `session.commit()` / `connection.commit()` (awaited or not) inside the `finally`
    block of a `try`.

Why it matters:
    `finally` runs after an exception too: the commit then writes whatever half of the
    work had been flushed before the failure, instead of rolling it back. Popular
    templates do this in their session dependency, so a failed request still commits.

Example:
    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            try:
                yield session
            finally:
                await session.commit()

Use instead:
    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except Exception:
                await session.rollback()
                raise

Fix safety:
    Unsafe: moves the commit to the end of the `try` body, so it runs only on success
    (the point, but a changed behaviour). Offered when the commit is a statement of its
    own in the `finally` block and the `try` keeps a valid shape: other `finally`
    statements remain, or `except` handlers do.

Known limits:
    A `finally` block that writes rows of its own before committing them (`session.add(
    delivery)` then `commit()`: a record saved either way) is not reported. Commits in
    functions called from `finally` are not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.finding import Applicability, Edit, Fix
from backend_agent.audit.flow import call_statement
from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules._commits import commits, has_commit, owns_lines


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report commits in `finally` blocks."""
    if module.is_test or not has_commit(module):
        return
    for function in module.all_functions:
        for call, flow in commits(module, function):
            if flow.finally_of is None or _records_its_own_writes(flow.finally_of, call):
                continue
            yield module.violation(
                call,
                f"`{module.source(call)}` in `finally` commits even when `{function.name}` failed",
                "Commit at the end of the `try` body and roll back in `except`",
                _move_into_try(module, flow.finally_of, call),
            )


_WRITES = frozenset({"add", "add_all", "merge", "execute", "exec", "delete"})


def _records_its_own_writes(node: ast.Try, commit: ast.Call) -> bool:
    """The `finally` block writes rows of its own before committing them (an audit record,
    a delivery attempt): a deliberate "save this either way", not the try body's work."""
    for statement in node.finalbody:
        if call_statement(statement, commit):
            return False
        for inner in ast.walk(statement):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in _WRITES
            ):
                return True
    return False


def _move_into_try(module: ParsedModule, node: ast.Try, call: ast.Call) -> Fix | None:
    statement = next((s for s in node.finalbody if call_statement(s, call)), None)
    last = node.body[-1]
    if (
        statement is None
        or statement.end_lineno is None
        or last.end_lineno is None
        or not owns_lines(module, statement)
    ):
        return None
    alone = len(node.finalbody) == 1
    if alone and not node.handlers:
        return None
    body_indent = module.lines[last.lineno - 1][: last.col_offset]
    end_text = module.lines[last.end_lineno - 1].rstrip("\r\n")
    insert = Edit(
        last.end_lineno,
        len(end_text) + 1,
        last.end_lineno,
        len(end_text) + 1,
        "\n" + body_indent + module.source(statement),
    )
    first = _finally_line(module, statement.lineno) if alone else statement.lineno
    if first is None:
        return None
    remove = Edit(first, 1, statement.end_lineno + 1, 1, "")
    return Fix(Applicability.UNSAFE, (insert, remove))


def _finally_line(module: ParsedModule, below: int) -> int | None:
    for number in range(below - 1, 0, -1):
        text = module.lines[number - 1].strip()
        if text.startswith("finally"):
            return number
        if text and not text.startswith("#"):
            return None
    return None
