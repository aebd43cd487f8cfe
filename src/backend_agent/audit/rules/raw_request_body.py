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
    Not reported: a body handed at once to a model (`Form.model_validate(...)`,
    `model_validate_form`, `parse_obj`, a `TypeAdapter`'s `validate_python`), raw bytes
    handed to a signature check (a call named like `verify`, `signature`, `hmac`,
    `construct_event`), and a bare `await request.form()` whose result is dropped (a
    library reads the cached form). A request passed on to a helper that reads the body
    there is not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.annotations import is_container, is_untyped, unwrap_annotated
from backend_agent.audit.knowledge import DEPENDS, RAW_BODY_METHODS, REQUEST_TYPES
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation, parameters

_BODY = frozenset({"fastapi.Body", "fastapi.params.Body"})
_FIX_TITLE = "Declare a Pydantic model parameter; FastAPI validates and documents it"
_VALIDATING = ("model_validate", "validate", "parse_obj", "parse_raw")
_VERIFYING = ("verify", "signature", "hmac", "construct_event", "unwrap")


def check(module: ParsedModule) -> Iterator[Violation]:
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


def _raw_reads(module: ParsedModule, function: Function, requests: set[str]) -> Iterator[Violation]:
    for node in module.calls_in(function):
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in RAW_BODY_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in requests
            and not _checked_at_once(module, function, node)
        ):
            yield module.violation(
                node,
                f"Route `{function.name}` reads the raw body with `{module.source(node)}`",
                _FIX_TITLE,
            )


def _checked_at_once(module: ParsedModule, function: Function, read: ast.Call) -> bool:
    """The body goes straight into a model or a signature check, or is read and dropped.

    `Form.model_validate(await request.json())`, `data = await request.form()` then
    `Form.model_validate_form(data)`, `payload = await request.body()` then
    `verify_signature(payload, ...)`, and a bare `await request.form()` that leaves the
    parsed form to a library.
    """
    calls = module.calls_in(function)
    for call in calls:
        if _checks(module, call) and any(
            _contains(argument, read) for argument in _arguments(call)
        ):
            return True
    for statement in module.bindings_in(function):
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and _contains(statement.value, read)
        ):
            name = statement.targets[0].id
            return any(
                _checks(module, call)
                and any(isinstance(a, ast.Name) and a.id == name for a in _arguments(call))
                for call in calls
            )
    return any(
        isinstance(statement, ast.Expr) and _contains(statement.value, read)
        for statement in function.body
    )


def _arguments(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(keyword.value for keyword in call.keywords)]


def _checks(module: ParsedModule, call: ast.Call) -> bool:
    """A call that validates data with a model or verifies a signature, by its name
    (`Form.model_validate`, `validate_event`, `hmac.new`, `verify_signature`)."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else None
    if isinstance(call.func, ast.Name):
        name = call.func.id
    if name is None:
        return False
    qualified = (module.resolve(call.func) or name).lower()
    return name.lower().startswith(_VALIDATING) or any(word in qualified for word in _VERIFYING)


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(child is node for child in ast.walk(tree))
