"""HTTP exception in service: a service imports FastAPI/Starlette or raises an HTTP error.

What it finds:
    In a file of the `services` layer: any import from `fastapi` or `starlette`, an
    import of a project name that re-exports `HTTPException`, and any `raise` of
    `HTTPException` (or a project subclass of it), however it was imported or renamed.

Why it matters:
    A service is business logic: the same function runs from a route, a background job,
    an agent tool or a test. An HTTP status code means nothing to those callers, and a
    service that raises one decides the API's responses from the wrong layer.

Example:
    from fastapi import HTTPException

    async def get_user(session: AsyncSession, user_id: int) -> User:
        user = await session.get(User, user_id)
        if user is None:
            raise HTTPException(status_code=404, detail="User not found")
        return user

Use instead:
    from app.core.errors import NotFoundError

    async def get_user(session: AsyncSession, user_id: int) -> User:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFoundError("user", user_id)
        return user
    # core/errors.py maps NotFoundError to 404 in one exception handler.

Fix safety:
    No automatic fix: the domain error and its HTTP mapping have to be chosen.

Known limits:
    The framework's HTTP-free helpers (`run_in_threadpool`, `jsonable_encoder`) may be
    imported. Only files in the `services` layer are checked; an exception built by a helper
    function and raised later is seen only if its class is named at the `raise`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.knowledge import HTTP_EXCEPTIONS, WEB_FRAMEWORKS
from backend_agent.audit.parsed_module import ParsedModule, Violation

_UTILITIES = (
    "fastapi.concurrency.",
    "starlette.concurrency.",
    "fastapi.encoders.",
)
"""Framework helpers that know nothing of HTTP (thread pools, JSON encoding)."""
_FIX_TITLE = "Raise a domain error and map it to an HTTP response in the API layer"


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report web-framework imports and HTTP exceptions raised in services."""
    if module.layer != "services":
        return
    codebase = module.codebase
    for node, names in module.import_nodes:
        for name in names:
            resolved = codebase.resolve(name)
            if name.split(".")[0] in WEB_FRAMEWORKS and not name.startswith(_UTILITIES):
                yield module.violation(
                    node,
                    f"Service imports `{name}`: services must not depend on the web framework",
                    _FIX_TITLE,
                )
                break
            if resolved in HTTP_EXCEPTIONS:
                yield module.violation(
                    node, f"Service imports `{name}`, which is `{resolved}`", _FIX_TITLE
                )
                break
    for statement in module.raises:
        if statement.exc is None:
            continue
        raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        raised_name = module.resolve(raised)
        if raised_name is not None and (
            raised_name in HTTP_EXCEPTIONS or codebase.is_subclass(raised_name, HTTP_EXCEPTIONS)
        ):
            yield module.violation(
                statement,
                f"Service raises `{module.source(raised)}`, an HTTP exception",
                _FIX_TITLE,
            )
