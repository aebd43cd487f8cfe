"""Raw request body: a handler reads input without a Pydantic model.

What it finds:
    In a route handler: `await request.json()`, `request.body()`, `request.form()` or
    `request.stream()` on a `Request` parameter, and body parameters typed `dict`,
    `list`, `Mapping` or `Any` (bare or with `Any` inside, or `Any` marked `Body()`).

Why it matters:
    FastAPI validates, converts and documents the body only when a model describes it.
    Raw input reaches the service unchecked (wrong types, missing keys, extra fields
    that overwrite columns), errors surface as 500s instead of 422s, and the OpenAPI
    schema shows an empty object.

Example:
    @router.post("/users", response_model=UserRead)
    async def create_user(request: Request, session: SessionDep) -> UserRead:
        data = await request.json()
        ...

Use instead:
    @router.post("/users", response_model=UserRead)
    async def create_user(data: UserCreate, session: SessionDep) -> UserRead:
        ...

Fix safety:
    No automatic fix: the model of the input has to be written.

Known limits:
    A request passed on to a helper that reads the body there is not followed. Webhook
    endpoints that must verify a signature over the raw bytes are a legitimate use of
    `request.body()`: suppress those with `# noqa: BA104`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.annotations import is_container, is_untyped, unwrap_annotated
from backend_agent.audit.knowledge import DEPENDS, RAW_BODY_METHODS, REQUEST_TYPES
from backend_agent.audit.module import Function, Module, Violation, parameters

_BODY = frozenset({"fastapi.Body", "fastapi.params.Body"})
_FIX_TITLE = "Declare a Pydantic model parameter; FastAPI validates and documents it"


def check(module: Module) -> Iterator[Violation]:
    """Report raw body reads and untyped body parameters in route handlers."""
    for handler in module.route_handlers:
        function = handler.function
        path = handler.decorator.args[0] if handler.decorator.args else None
        path_text = (
            path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else ""
        )
        requests: set[str] = set()
        for argument, default in parameters(function):
            if argument.annotation is None or "{" + argument.arg + "}" in path_text:
                continue
            annotation, metadata = unwrap_annotated(module, argument.annotation)
            markers = {
                module.resolve(m.func) for m in [*metadata, default] if isinstance(m, ast.Call)
            }
            if markers & DEPENDS:
                continue
            if module.resolve(annotation) in REQUEST_TYPES:
                requests.add(argument.arg)
            elif is_untyped(module, annotation) and (
                is_container(module, annotation) or markers & _BODY
            ):
                yield module.violation(
                    argument,
                    f"Route `{function.name}` takes parameter `{argument.arg}` as untyped "
                    f"`{module.source(annotation)}`",
                    _FIX_TITLE,
                )
        if requests:
            yield from _raw_reads(module, function, requests)


def _raw_reads(module: Module, function: Function, requests: set[str]) -> Iterator[Violation]:
    for node in module.calls_in(function):
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in RAW_BODY_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in requests
        ):
            yield module.violation(
                node,
                f"Route `{function.name}` reads the raw body with `{module.source(node)}`",
                _FIX_TITLE,
            )
