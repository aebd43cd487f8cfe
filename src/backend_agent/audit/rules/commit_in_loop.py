"""Commit in loop: `commit()` runs once per iteration.

What it finds:
    A `session.commit()` / `connection.commit()` (awaited or not) inside the body of a
    `for`, `async for` or `while` loop, unless a `break`/`return` follows it in its block
    (a retry loop that commits once).

Why it matters:
    Each commit is a round trip and a transaction of its own: a loop over 1,000 rows
    makes 1,000 transactions, runs far slower, and a failure half-way leaves half the
    rows written with no way to roll the rest back.

Example:
    async def import_items(session: AsyncSession, items: list[ItemCreate]) -> None:
        for item in items:
            session.add(Item.model_validate(item))
            await session.commit()

Use instead:
    async def import_items(session: AsyncSession, items: list[ItemCreate]) -> None:
        for item in items:
            session.add(Item.model_validate(item))
        await session.flush()  # the request's unit of work commits once

Fix safety:
    Unsafe: moves the commit after the loop when it is the loop body's last statement
    and the loop has no `break`, `continue` or `else`. All rows then commit together (or
    none do), which is the point, but changes what a failure half-way leaves behind.

Known limits:
    Not reported: a commit under an `if` in the loop that counts, or in a loop over
    batches (names with `batch` or `chunk`): one commit per batch; a commit in a `try`
    whose `except` rolls back (a deliberate commit per item), and scripts, CLIs and
    migrations (`scripts/`, `bin/`, `migrations/`, `revisions/`, `cli.py`, `manage.py`),
    where long jobs commit to keep their progress. Commits in helpers called from the
    loop are not followed. Receivers of unknown type count only in modules that import a
    database library or sit in a layer.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_agent.audit.finding import Applicability, Edit, Fix
from backend_agent.audit.flow import Loop, call_statement
from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules._commits import (
    commits,
    has_commit,
    is_script,
    owns_lines,
    rolls_back,
)

_BATCH = re.compile(r"batch|chunk", re.IGNORECASE)


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report commits inside loop bodies."""
    if module.is_test or not has_commit(module) or is_script(module):
        return
    for function in module.all_functions:
        for call, flow in commits(module, function):
            if (
                flow.loop is None
                or flow.leaves_block
                or flow.batched
                or rolls_back(flow.guarded)
                or _over_batches(flow.loop)
            ):
                continue
            fix = _move_after(module, flow.loop, call)
            yield module.violation(
                call,
                f"`{module.source(call)}` runs on every iteration of the loop in `{function.name}`",
                "Commit once after the loop, or let the request's unit of work commit",
                fix,
            )


def _over_batches(loop: Loop) -> bool:
    """A loop whose every pass handles a batch (`batch_size`, `for chunk in chunks(...)`)."""
    return any(
        (isinstance(node, ast.Name) and _BATCH.search(node.id) is not None)
        or (isinstance(node, ast.Attribute) and _BATCH.search(node.attr) is not None)
        for node in ast.walk(loop)
    )


def _move_after(module: ParsedModule, loop: Loop, call: ast.Call) -> Fix | None:
    """Dedent the loop's last statement so it runs once, after the loop."""
    statement = loop.body[-1]
    if (
        len(loop.body) < 2
        or loop.orelse
        or not call_statement(statement, call)
        or any(isinstance(node, ast.Break | ast.Continue) for node in ast.walk(loop))
        or statement.end_lineno is None
        or not owns_lines(module, statement)
    ):
        return None
    indent = module.lines[loop.lineno - 1][: loop.col_offset]
    end_text = module.lines[statement.end_lineno - 1].rstrip("\r\n")
    return Fix(
        Applicability.UNSAFE,
        (
            Edit(
                statement.lineno,
                1,
                statement.end_lineno,
                len(end_text) + 1,
                indent + module.source(statement),
            ),
        ),
    )
