"""DB access in route: a route handler talks to the database itself.

What it finds:
    In a route handler: a method call on a session, engine, connection, client, database
    or collection (known from its type: annotations, `Annotated` aliases such as
    `SessionDep`, `Depends(provider)`, constructors), a statement built with
    `select()/insert()/update()/delete()/text()` passed to any call, and database
    methods reached through `request.app.state`.

Why it matters:
    Handlers translate HTTP to calls and back. Queries in them cannot be reused by an
    agent tool, a job or another route, are tested only through HTTP, and mix
    transaction handling with request parsing. Passing the session on to a service is
    fine: only calling it is reported.

Example:
    @router.get("/users", response_model=list[UserRead])
    async def list_users(session: SessionDep) -> list[User]:
        result = await session.exec(select(User))
        return list(result.all())

Use instead:
    # app/services/users.py
    async def list_users(session: AsyncSession) -> list[User]:
        result = await session.exec(select(User))
        return list(result.all())

    # app/api/routes/users.py
    @router.get("/users", response_model=list[UserRead])
    async def list_users(session: SessionDep) -> list[User]:
        return await service.list_users(session)

Fix safety:
    Unsafe: moves the handler's body into a function of the same name in the matching
    service module (`services/users.py` for `routes/users.py`, `orders/service.py` for
    `orders/views.py`), typed as a service types it (`AsyncSession`, not `SessionDep`),
    adds the imports it needs, and makes the handler return its result. Offered only when
    the body uses nothing of HTTP, only its parameters, builtins and imports, and the
    service module exists without a function of that name.

Known limits:
    Only the handler's own body is checked, not helpers it calls in the api layer. A
    receiver of unknown type (no annotation, built dynamically) is reported only when a
    SQL statement (built in place, chained, or held in a local name) is passed to its
    `execute`/`exec`/`scalar(s)`/`stream`/`fetch*` method, or when it comes from
    `request.app.state`. Sessions typed through `NewType`, re-exported
    aliases, session factories (`SessionLocal()`, `sessionmaker(...)()`) and typed
    attributes of class-based controllers (`self.session`) are followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.finding import Fix
from backend_agent.audit.inference import types_in
from backend_agent.audit.knowledge import MONGO_WRITES, SQL_BUILDERS
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation
from backend_agent.audit.query_to_service import move_to_service

_MAX_DEPTH = 8
_EXECUTING = frozenset(
    {
        "exec",
        "execute",
        "executemany",
        "scalar",
        "scalars",
        "stream",
        "stream_scalars",
        "fetch",
        "fetchrow",
        "fetchval",
        "fetch_all",
        "fetch_one",
        "fetch_val",
    }
)
"""Methods that run a statement; `.in_(select(...))` only builds a bigger one."""
_STATE_METHODS = MONGO_WRITES | frozenset(
    {
        "find",
        "find_one",
        "aggregate",
        "count_documents",
        "distinct",
        "exec",
        "execute",
        "scalar",
        "scalars",
        "get",
        "commit",
        "fetch",
        "fetchrow",
        "fetchval",
    }
)


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report database calls made directly in route handlers."""
    for handler in module.route_handlers:
        function = handler.function
        env = types_in(module, function)
        fix: Fix | None = None
        moved = False
        for node in module.calls_in(function):
            if not isinstance(node.func, ast.Attribute):
                continue
            receiver = node.func.value
            method = node.func.attr
            call = f"`{module.source(receiver)}.{method}()`"
            found = env.infer(receiver)
            if found is not None:
                message = f"Route `{function.name}` calls {call} on a database {found.kind}"
            elif method in _EXECUTING and any(
                _is_statement(module, function, argument) for argument in node.args
            ):
                message = f"Route `{function.name}` executes a SQL statement with {call}"
            elif method in _STATE_METHODS and _via_app_state(receiver):
                message = f"Route `{function.name}` queries the database through {call}"
            else:
                continue
            if not moved:
                fix, moved = move_to_service(module, function), True
            yield module.violation(
                node,
                message,
                "Move the query into a service function that takes the session or database "
                "as a parameter",
                fix,
            )


def _is_statement(module: ParsedModule, function: Function, node: ast.expr, depth: int = 0) -> bool:
    """A SQL statement: `select(...)`, a chain on one (`.where(...).limit(...)`), or a local
    name bound to one."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(node, ast.Call):
        if module.resolve(node.func) in SQL_BUILDERS:
            return True
        if isinstance(node.func, ast.Attribute):
            return _is_statement(module, function, node.func.value, depth + 1)
        return False
    if isinstance(node, ast.Name):
        return any(
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in statement.targets)
            and _is_statement(module, function, statement.value, depth + 1)
            for statement in module.bindings_in(function)
        )
    return False


def _via_app_state(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr == "state":
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "app":
                return True
        node = node.value
    return False
