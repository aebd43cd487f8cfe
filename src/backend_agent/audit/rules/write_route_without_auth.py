"""Write route without auth: a route that changes data lets anyone call it, in a project
that checks who is calling elsewhere.

What it finds:
    In a codebase that declares a FastAPI security scheme (an `OAuth2PasswordBearer`,
    `HTTPBearer`, `APIKeyHeader`... instance) or uses `Security(...)`: a POST, PUT, PATCH or
    DELETE route none of whose dependencies reads credentials. Dependencies are followed
    through the handler's parameters (`Depends`, `Security`, `Annotated` aliases such as
    `CurrentUserDep`), the decorator's `dependencies=`, its router's and app's
    `dependencies=`, the `include_router(..., dependencies=...)` calls that mount the
    router, and each dependency's own parameters. Reading credentials means depending on
    a security scheme, on `Security(...)`, or on a sign-in form
    (`OAuth2PasswordRequestForm`, or a subclass).

Why it matters:
    Once some routes check a token, a write route that checks none is usually an
    oversight: anyone on the internet can create, change or delete that data, and nothing
    in the code says it was meant to be open.

Example:
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")  # some routes check tokens

    @router.delete("/orders/{order_id}", status_code=204)
    async def delete_order(order_id: int, session: SessionDep) -> None:
        await orders.delete_order(session, order_id)

Use instead:
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

    async def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User: ...

    CurrentUserDep = Annotated[User, Depends(current_user)]

    @router.delete("/orders/{order_id}", status_code=204)
    async def delete_order(order_id: int, session: SessionDep, user: CurrentUserDep) -> None:
        await orders.delete_order(session, order_id, owner=user.id)

    # A route anyone may call on purpose (signing up, a contact form) says so:
    @router.post("/signup", status_code=201)
    async def sign_up(data: SignUp, session: SessionDep) -> UserRead:  # noqa: BA105 - open
        return await users.sign_up(session, data)

Fix safety:
    No automatic fix: who may call a route is a decision.

Known limits:
    Credentials checked by hand in the handler (`request.headers["Authorization"]`) or by
    middleware are not seen: mark those routes with `# noqa: BA105`. A router is followed
    only by name to the `include_router` calls that mount it; one built by a function and
    mounted through a variable is not. Routes added with `add_api_route` are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.annotations import unwrap_annotated
from backend_agent.audit.codebase import Codebase
from backend_agent.audit.knowledge import (
    DEPENDS,
    ROUTER_TYPES,
    SECURITY,
    SECURITY_SCHEMES,
    SIGN_IN_FORMS,
)
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation, parameters

_WRITES = frozenset({"post", "put", "patch", "delete"})
_MAX_DEPTH = 8
_FIX_TITLE = (
    "Depend on who is calling (a current-user dependency), or mark a route that is open "
    "on purpose with `# noqa: BA105`"
)


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report write routes with no credential-reading dependency in a project with auth."""
    if not module.route_handlers:
        return
    schemes = _schemes(module.codebase)
    if not schemes:
        return
    protected = _protected_routers(module.codebase)
    for handler in module.route_handlers:
        method = _write_method(module, handler.decorator)
        if method is None:
            continue
        router = _qualified(module, handler.decorator.func.value)  # type: ignore[attr-defined]
        if router in protected or _declares_auth(module, handler.decorator):
            continue
        if any(
            _checks_parameter(module, argument, default, 0)
            for argument, default in parameters(handler.function)
        ):
            continue
        yield module.name_violation(
            handler.function,
            f"Route `{handler.function.name}` ({method}) changes data but no dependency "
            f"checks who is calling, in a project that does elsewhere ({_example(schemes)})",
            _FIX_TITLE,
        )


def _example(schemes: frozenset[str]) -> str:
    """A scheme to name in the message: `oauth2_scheme`, else `Security(...)`."""
    named = sorted(name for name in schemes if name != "Security")
    return f"`{named[0].rsplit('.', 1)[-1]}`" if named else "`Security(...)`"


def _write_method(module: ParsedModule, decorator: ast.Call) -> str | None:
    """`POST` for `@router.post(...)`; for `api_route`, its first write method."""
    assert isinstance(decorator.func, ast.Attribute)
    method = decorator.func.attr
    if method in _WRITES:
        return method.upper()
    if method != "api_route":
        return None
    for keyword in decorator.keywords:
        if keyword.arg == "methods" and isinstance(keyword.value, ast.List | ast.Tuple | ast.Set):
            for element in keyword.value.elts:
                if isinstance(element, ast.Constant) and str(element.value).lower() in _WRITES:
                    return str(element.value).upper()
    return None


# The project's security schemes and protected routers ------------------------------------


def _schemes(codebase: Codebase) -> frozenset[str]:
    """Qualified names of the module-level security scheme instances (`Security(...)` used
    anywhere counts as one, named `Security`)."""

    def compute() -> frozenset[str]:
        found: set[str] = set()
        for module in codebase.modules.values():
            if module.is_test or not module.imports_any("fastapi"):
                continue
            for name, value in module.assignments.items():
                if isinstance(value, ast.Call) and module.is_instance_call(value, SECURITY_SCHEMES):
                    found.add(f"{module.name}.{name}")
            calls = (call for calls in module.calls.values() for call in calls)
            if any(module.resolve(call.func) in SECURITY for call in calls):
                found.add("Security")
        return frozenset(found)

    return codebase.memo("security-schemes", codebase, compute)


def _protected_routers(codebase: Codebase) -> frozenset[str]:
    """Routers and apps every route of which reads credentials: built with such
    `dependencies=`, or mounted with them (or into a router that is)."""

    def compute() -> frozenset[str]:
        protected: set[str] = set()
        mounts: list[tuple[str, str, bool]] = []
        for module in codebase.modules.values():
            if module.is_test:
                continue
            for assign in module.calls_assigned:
                call = assign.value
                target = assign.targets[0]
                if (
                    isinstance(call, ast.Call)
                    and isinstance(target, ast.Name)
                    and module.is_instance_call(call, ROUTER_TYPES)
                    and _declares_auth(module, call)
                ):
                    protected.add(f"{module.name}.{target.id}")
            for calls in module.calls.values():
                for call in calls:
                    if (
                        isinstance(call.func, ast.Attribute)
                        and call.func.attr == "include_router"
                        and call.args
                    ):
                        child = _qualified(module, call.args[0])
                        parent = _qualified(module, call.func.value)
                        if child is not None and parent is not None:
                            mounts.append((child, parent, _declares_auth(module, call)))
        changed = True
        while changed:
            changed = False
            for child, parent, guarded in mounts:
                if child not in protected and (guarded or parent in protected):
                    protected.add(child)
                    changed = True
        return frozenset(protected)

    return codebase.memo("protected-routers", codebase, compute)


def _qualified(module: ParsedModule, node: ast.expr) -> str | None:
    """The qualified name of a router expression: `router`, `users.router`, `app`."""
    if isinstance(node, ast.Name) and node.id in module.assignments:
        return f"{module.name}.{node.id}"
    return module.resolve(node)


# Whether a dependency reads credentials ---------------------------------------------------


def _declares_auth(module: ParsedModule, call: ast.Call) -> bool:
    """Whether a `dependencies=[...]` keyword of `call` holds one that reads credentials."""
    for keyword in call.keywords:
        if (
            keyword.arg == "dependencies"
            and isinstance(keyword.value, ast.List | ast.Tuple)
            and any(_checks_marker(module, element, None, 0) for element in keyword.value.elts)
        ):
            return True
    return False


def _checks_parameter(
    module: ParsedModule, argument: ast.arg, default: ast.expr | None, depth: int
) -> bool:
    """Whether a parameter is a dependency that reads credentials, by its default or by its
    annotation (`Annotated[User, Depends(current_user)]`, or an alias of one)."""
    if default is not None and _checks_marker(module, default, argument.annotation, depth):
        return True
    return argument.annotation is not None and _checks_annotation(
        module, argument.annotation, depth
    )


def _checks_annotation(module: ParsedModule, annotation: ast.expr, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    kind, metadata = unwrap_annotated(module, annotation)
    if metadata:
        return any(_checks_marker(module, marker, kind, depth) for marker in metadata)
    name = module.resolve(annotation)
    found = module.codebase.definition(name) if name is not None else None
    if found is not None and isinstance(found[1], ast.Subscript):
        return _checks_annotation(found[0], found[1], depth + 1)
    return False


def _checks_marker(
    module: ParsedModule, marker: ast.expr, annotated: ast.expr | None, depth: int
) -> bool:
    """Whether `Depends(x)` / `Security(x)` reads credentials; `Depends()` depends on the
    annotated class."""
    if not isinstance(marker, ast.Call):
        return False
    called = module.resolve(marker.func)
    if called in SECURITY:
        return True
    if called not in DEPENDS:
        return False
    provider = marker.args[0] if marker.args else annotated
    if provider is None:
        provider = next((k.value for k in marker.keywords if k.arg == "dependency"), None)
    return provider is not None and _reads_credentials(module, provider, depth + 1)


def _reads_credentials(module: ParsedModule, provider: ast.expr, depth: int) -> bool:
    """A security scheme (an instance, or one made in place), a sign-in form, or a project
    function or class whose own dependencies read credentials."""
    if depth > _MAX_DEPTH:
        return False
    codebase = module.codebase
    if isinstance(provider, ast.Call):
        return module.is_instance_call(provider, SECURITY_SCHEMES)
    name = module.resolve(provider) if not isinstance(provider, ast.Name) else None
    if isinstance(provider, ast.Name):
        name = _qualified(module, provider)
    if name is None:
        return False
    name = codebase.resolve(name)
    if name in _schemes(codebase) or name in SIGN_IN_FORMS:
        return True
    if codebase.is_subclass(name, SIGN_IN_FORMS):
        return True
    found = codebase.function(name)
    if found is None:
        return False
    owner, function = found
    return codebase.memo(
        "reads-credentials", function, lambda: _function_reads(owner, function, depth)
    )


def _function_reads(module: ParsedModule, function: Function, depth: int) -> bool:
    return any(
        _checks_parameter(module, argument, default, depth + 1)
        for argument, default in parameters(function)
    )
