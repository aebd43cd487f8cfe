"""Route without response model: a handler returns data whose shape it does not declare.

What it finds:
    A route handler that returns a value (`return <expression>` in its own body) while its
    decorator has no `response_model=` or `response_class=` and its return annotation is
    missing or untyped: `Any`, `object`, bare `dict` or `list`, or a generic holding one of
    those (`dict[str, Any]`, `list[dict]`); and an untyped `response_model=dict`.

Why it matters:
    The response model is the API's contract: FastAPI validates and filters the output
    with it (a password hash never leaks) and documents it in OpenAPI. Without it the
    schema says nothing and any internal field returned goes straight to the client.

Example:
    @router.get("/users/{user_id}")
    async def read_user(user_id: int, session: SessionDep) -> dict[str, Any]:
        user = await service.get_user(session, user_id)
        return user.model_dump()

Use instead:
    @router.get("/users/{user_id}")
    async def read_user(user_id: int, session: SessionDep) -> UserRead:
        user = await service.get_user(session, user_id)
        return UserRead.model_validate(user)

Fix safety:
    No automatic fix: the model describing the response has to be written.

Known limits:
    Not reported: handlers that return nothing (a 204 or an empty body); handlers whose
    every return is a `Response` (an `HTMLResponse`, a `FileResponse`...), a name bound
    to one, or the result of a call handed the `Request` (another handler answers); and
    an explicit `response_model=None` (a deliberate choice). A router's or app's
    `default_response_class` is not followed. Routes added with `add_api_route` are not
    seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.annotations import is_untyped
from backend_agent.audit.knowledge import REQUEST_TYPES, RESPONSE_TYPES
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation, parameters

_DECLARING = frozenset({"response_model", "response_class"})


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report handlers that return undeclared data."""
    for handler in module.route_handlers:
        keywords = {k.arg: k.value for k in handler.decorator.keywords if k.arg in _DECLARING}
        declared = keywords.get("response_model")
        if "response_class" in keywords or (
            declared is not None and (_is_none(declared) or not is_untyped(module, declared))
        ):
            continue
        returns = handler.function.returns
        if returns is not None and not is_untyped(module, returns):
            continue
        values = _returned(handler.function)
        if declared is None and (
            not values or all(_is_response(module, handler.function, v) for v in values)
        ):
            continue
        reason = (
            "no return annotation" if returns is None else f"returns `{module.source(returns)}`"
        )
        yield module.name_violation(
            handler.function,
            f"Route `{handler.function.name}` has no response model and {reason}",
            "Annotate the return type with a Pydantic model (or declare `response_model=`)",
        )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _returned(function: Function) -> list[ast.expr]:
    """The values of `return` statements in the function's own body."""
    found = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
            found.append(node.value)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _names(target: ast.expr, name: str) -> bool:
    return isinstance(target, ast.Name) and target.id == name


def _is_response(module: ParsedModule, function: Function, value: ast.expr) -> bool:
    """A `Response` built in place, a local name bound to one, or what a call handed the
    `Request` returns (`handler.handle(request)`: another ASGI handler answers)."""
    if isinstance(value, ast.Name):
        bound: list[ast.expr] = []
        for node in module.bindings_in(function):
            if isinstance(node, ast.AnnAssign) and _names(node.target, value.id):
                annotated = module.resolve(node.annotation)
                if annotated is not None and module.codebase.is_subclass(annotated, RESPONSE_TYPES):
                    return True
                if node.value is not None:
                    bound.append(node.value)
            elif isinstance(node, ast.Assign) and any(_names(t, value.id) for t in node.targets):
                bound.append(node.value)
        return bool(bound) and all(_is_response(module, function, v) for v in bound)
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    if module.is_instance_call(value, RESPONSE_TYPES):
        return True
    requests = {
        argument.arg
        for argument, _ in parameters(function)
        if argument.annotation is not None and module.resolve(argument.annotation) in REQUEST_TYPES
    }
    passed = [*value.args, *(keyword.value for keyword in value.keywords)]
    return any(isinstance(item, ast.Name) and item.id in requests for item in passed)
