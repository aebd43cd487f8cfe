"""Route without response model: a handler declares no response shape.

What it finds:
    A route handler whose decorator has no `response_model=` (or `response_model=None`)
    and whose return annotation is missing or untyped: `Any`, `object`, bare `dict` or
    `list`, or a generic holding one of those (`dict[str, Any]`, `list[dict]`).

Why it matters:
    The response model is the API's contract: FastAPI validates and filters the output
    with it (a password hash never leaks) and documents it in OpenAPI. Without it the
    schema says nothing and any internal field returned goes straight to the client.

Example:
    @router.get("/users/{user_id}")
    async def read_user(user_id: int, session: SessionDep) -> dict[str, Any]:
        ...

Use instead:
    @router.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int, session: SessionDep) -> UserRead:
        ...

Fix safety:
    No automatic fix: the model describing the response has to be written.

Known limits:
    Routes added with `add_api_route` or `include_router` callbacks are not seen.
    `-> Response` (and subclasses) and `-> None` count as declared.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.annotations import is_untyped
from backend_agent.audit.module import Module, Violation


def check(module: Module) -> Iterator[Violation]:
    """Report handlers without a response model or a concrete return type."""
    for handler in module.route_handlers:
        declared = next(
            (k.value for k in handler.decorator.keywords if k.arg == "response_model"), None
        )
        explicit_none = isinstance(declared, ast.Constant) and declared.value is None
        if declared is not None and not explicit_none and not is_untyped(module, declared):
            continue
        returns = handler.function.returns
        if returns is not None and not is_untyped(module, returns):
            continue
        reason = (
            "no return annotation" if returns is None else f"returns `{module.source(returns)}`"
        )
        yield module.name_violation(
            handler.function,
            f"Route `{handler.function.name}` has no response model and {reason}",
            "Declare `response_model=` or annotate the return type with a Pydantic model",
        )
