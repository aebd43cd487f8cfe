"""Sync DB in async: a blocking database driver or session used inside `async def`.

What it finds:
    In an `async def`: an I/O method call (`exec`, `execute`, `commit`, `find_one`...)
    on a synchronous session, engine, connection, cursor or client (SQLAlchemy/SQLModel
    `Session`, PyMongo `MongoClient`/`Database`/`Collection`, psycopg2, sqlite3, redis),
    and calls that open a sync connection (`psycopg2.connect(...)`). Types come from
    annotations, `Annotated`/`Depends` providers, constructors and `with ... as` targets.

Why it matters:
    A sync call inside a coroutine stops the event loop: every other request on the
    worker waits for this query. ruff's ASYNC rules catch `time.sleep` and `requests`,
    not database drivers, which are the most common blocking call in a backend.

Example:
    @router.get("/users", response_model=list[UserRead])
    async def list_users(session: Annotated[Session, Depends(get_session)]) -> list[User]:
        return list(session.exec(select(User)).all())

Use instead:
    async def list_users(session: AsyncSession) -> list[User]:
        return list((await session.exec(select(User))).all())
    # or keep the sync session and make the handler a plain `def` (FastAPI runs it in a thread).

Fix safety:
    No automatic fix: moving to the async driver changes types and every caller.

Known limits:
    Objects of unknown type (built by untyped helpers, stored on `self`) are not seen.
    Calls handed to `run_in_threadpool`/`asyncio.to_thread` are passed, not called, and
    so are correctly not reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.inference import types_in
from backend_agent.audit.knowledge import FACTORIES, NON_IO_METHODS
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation

_LIBRARIES = {
    "sql": "SQLAlchemy",
    "mongo": "PyMongo",
    "asyncpg": "asyncpg",
    "driver": "DB-API",
    "redis": "Redis",
}


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report sync database I/O in coroutines."""
    if module.is_test:
        return
    for function in module.all_functions:
        if isinstance(function, ast.AsyncFunctionDef):
            for call, what in blocking_db_calls(module, function):
                yield module.violation(
                    call,
                    f"`{function.name}` is async but calls {what}, which blocks the event loop",
                    "Use the async driver (AsyncSession, AsyncMongoClient, asyncpg) "
                    "or make the function sync",
                )


def blocking_db_calls(module: ParsedModule, function: Function) -> Iterator[tuple[ast.Call, str]]:
    """Sync database calls in a function's own body, with a phrase describing each."""
    env = None
    for node in module.calls_in(function):
        name = module.resolve(node.func)
        made = FACTORIES.get(name) if name is not None else None
        if made is not None and made.kind == "connection" and not made.is_async:
            yield node, f"`{name}()`, a sync connect"
            continue
        if not isinstance(node.func, ast.Attribute) or node.func.attr in NON_IO_METHODS:
            continue
        env = env or types_in(module, function)
        found = env.infer(node.func.value)
        if found is not None and not found.is_async and found.kind != "sessionmaker":
            yield (
                node,
                f"`{module.source(node.func)}()` on a sync {_LIBRARIES[found.family]} {found.kind}",
            )
