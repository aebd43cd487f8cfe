"""Writes without transaction: several writes in one function that can half-succeed.

What it finds:
    In one function, outside any `with ...begin()/.transaction()/.start_transaction()`
    block: two or more MongoDB write calls (`insert_one`, `update_many`, `bulk_write`...)
    without a `session=` argument; two or more asyncpg `execute`/`executemany` writes;
    or two or more `commit()` calls on SQL sessions or connections (outside loops, which
    `BA204` reports), which split the function's writes into separate transactions.

Why it matters:
    Each MongoDB write and each autocommitted asyncpg statement is atomic only on its own;
    every commit ends a transaction. When the second write fails, the first stays: an
    order without its lines, a transfer debited but not credited.

Example:
    async def place_order(database: AsyncDatabase[dict[str, Any]], order: Order) -> None:
        await database["orders"].insert_one(order.model_dump())
        await database["stock"].update_one({"_id": order.item}, {"$inc": {"count": -1}})

Use instead:
    async def place_order(client: AsyncMongoClient[dict[str, Any]], order: Order) -> None:
        async with client.start_session() as session:
            async with await session.start_transaction():
                database = client.get_database("shop")
                await database["orders"].insert_one(order.model_dump(), session=session)
                await database["stock"].update_one(
                    {"_id": order.item}, {"$inc": {"count": -1}}, session=session
                )

Fix safety:
    No automatic fix: which writes belong together is a business decision.

Known limits:
    Scripts, CLIs and migrations are not checked (they commit per step on purpose).
    Writes in different helpers called one after the other are not combined. SQL writes
    through one session need no extra transaction (the session is one until it commits),
    so only repeated commits are reported for SQLAlchemy/SQLModel.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.flow import Flow, first_pair, walk_flow
from backend_agent.audit.inference import types_in
from backend_agent.audit.knowledge import MONGO_WRITES, DbType
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation
from backend_agent.audit.rules._commits import commits, has_commit, is_script

_SQL_WRITES = (
    "insert",
    "update",
    "delete",
    "merge",
    "upsert",
    "create",
    "drop",
    "alter",
    "truncate",
)
_FIX_TITLE = "Group the writes in one transaction (or one unit of work committed once)"


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report functions whose writes are not atomic together."""
    if module.is_test or is_script(module):
        return
    text = module.text
    mongo = any(method in text for method in MONGO_WRITES)
    asyncpg = "execute" in text and module.imports_any("asyncpg")
    commit = has_commit(module)
    if not (mongo or asyncpg or commit):
        return
    for function in module.all_functions:
        if mongo or asyncpg:
            yield from _loose_writes(module, function)
        if commit:
            yield from _repeated_commits(module, function)


def _loose_writes(module: ParsedModule, function: Function) -> Iterator[Violation]:
    env = types_in(module, function)
    writes: list[tuple[ast.Call, Flow]] = []
    for node, flow in walk_flow(function):
        if (
            flow.in_transaction
            or not isinstance(node, ast.Call)
            or not isinstance(node.func, ast.Attribute)
        ):
            continue
        if any(keyword.arg == "session" for keyword in node.keywords):
            continue
        if _is_write(env.infer(node.func.value), node, node.func.attr):
            writes.append((node, flow))
    pair = first_pair(writes)
    if pair is not None:
        first, second = pair
        yield module.violation(
            second,
            f"`{function.name}` writes at lines {first.lineno} and {second.lineno} with no "
            "transaction around them: the first stays if the second fails",
            _FIX_TITLE,
        )


def _is_write(found: DbType | None, call: ast.Call, method: str) -> bool:
    if method in MONGO_WRITES:
        return found is None or found.family == "mongo"
    return (
        found is not None
        and found.family == "asyncpg"
        and method in ("execute", "executemany")
        and _writes_sql(call)
    )


def _writes_sql(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.lstrip().lower().startswith(_SQL_WRITES)
    return True


def _repeated_commits(module: ParsedModule, function: Function) -> Iterator[Violation]:
    found = [
        (call, flow)
        for call, flow in commits(module, function)
        if flow.loop is None and flow.finally_of is None
    ]
    pair = first_pair(found)
    if pair is not None:
        first, second = pair
        yield module.violation(
            second,
            f"`{function.name}` commits at lines {first.lineno} and {second.lineno}: "
            "its writes land in separate transactions",
            _FIX_TITLE,
        )
