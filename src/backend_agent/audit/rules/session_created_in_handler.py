"""Session created in handler: a route or service builds its own session, engine or client.

What it finds:
    A call that creates a database session, sessionmaker, engine, connection or client
    (`Session(engine)`, `create_async_engine(...)`, `AsyncMongoClient(...)`,
    `asyncpg.connect(...)`, calling a project `SessionLocal = sessionmaker(...)`...) inside
    a route handler, anywhere in a `services` module, or at module level in a module that
    declares routes.

Why it matters:
    Engines and clients own connection pools: one per call means a new pool per request,
    exhausted connections and slow handshakes. A session made inside a handler or service
    escapes the request's unit of work (its commit and rollback) and cannot be replaced
    by a test's session. They belong to the app's lifespan and arrive by `Depends` or as
    parameters.

Example:
    async def create_user(data: UserCreate) -> User:
        async with AsyncSession(engine) as session:
            ...

Use instead:
    async def create_user(session: AsyncSession, data: UserCreate) -> User:
        ...
    # the engine is created once in the lifespan; `SessionDep` hands out the session.

Fix safety:
    No automatic fix: the parameter has to be threaded through the callers.

Known limits:
    Dependency providers (`get_session` in `api/deps.py`), `db/` modules, `main.py` and
    tests may create these objects and are not checked. Sessions opened from a received
    client, engine or sessionmaker (`client.start_session()`, `engine.connect()`, a
    `sessionmaker` parameter called once per concurrent task) are fine.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.inference import TypeEnv, types_in
from backend_agent.audit.knowledge import CREATED_KINDS, DB_TYPES, FACTORIES
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation, parameters


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report database objects created in handlers and services."""
    if module.is_test:
        return
    scopes: list[tuple[str, Function | None]]
    if module.layer == "services":
        scopes = [("Service module", None)]
        scopes += [(f"Service `{f.name}`", f) for f in module.all_functions]
    else:
        scopes = [(f"Route `{h.function.name}`", h.function) for h in module.route_handlers]
        if scopes:
            scopes.append(("Route module", None))
    for where, function in scopes:
        env = TypeEnv(module, None) if function is None else types_in(module, function)
        for call in module.calls_in(function):
            kind = _created(module, env, call, function)
            if kind is not None:
                yield module.violation(
                    call,
                    f"{where} creates a database {kind} with `{module.source(call.func)}(...)`",
                    f"Receive the {kind} as a parameter (a `Depends` alias in routes); "
                    "create engines and clients once in the lifespan",
                )


def _created(
    module: ParsedModule, env: TypeEnv, call: ast.Call, function: Function | None
) -> str | None:
    received = (
        function is not None
        and isinstance(call.func, ast.Name)
        and any(argument.arg == call.func.id for argument, _ in parameters(function))
    )
    name = module.resolve(call.func)
    made = FACTORIES.get(name) or DB_TYPES.get(name) if name is not None else None
    if made is None:
        called = env.infer(call.func)
        if called is not None and called.kind == "sessionmaker" and not received:
            return "session"
        return None
    return made.kind if made.kind in CREATED_KINDS else None
