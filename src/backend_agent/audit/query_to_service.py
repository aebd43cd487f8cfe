"""Our fix for BA201: move a route's database work into its service module and call it.

`app/api/routes/users.py`'s handler body becomes a function of `app/services/users.py`
(or of `orders/service.py` beside `orders/views.py`) with the same name, taking the
parameters the body uses, typed as a service types them (`AsyncSession`, not
`SessionDep`); the handler then returns its result. Offered only when the move is certain
to keep the meaning: a module-level handler whose body uses nothing of HTTP (no request,
no FastAPI name), only its parameters, builtins and imports; a matching service module
that exists, has no function of that name and binds none of the needed names otherwise.
Unsafe: code moves between files and the service gains imports.
"""

from __future__ import annotations

import ast
import builtins

from backend_agent.audit.annotations import unwrap_annotated
from backend_agent.audit.finding import Applicability, Edit, Fix
from backend_agent.audit.knowledge import WEB_FRAMEWORKS
from backend_agent.audit.parsed_module import Function, ParsedModule, parameters

_BUILTINS = frozenset(dir(builtins))
_INDENT = "    "


def move_to_service(module: ParsedModule, handler: Function) -> Fix | None:
    """The fix for a handler's database calls, or None when the move is not certain."""
    service = _service_module(module)
    body = _moved_statements(handler)
    if (
        service is None
        or service is module
        or not body
        or handler.col_offset != 0
        or handler.name in service.functions
        or _indent(module, body) != _INDENT
    ):
        return None
    used = _free_names(body)
    needs: dict[str, str] = {}
    typed: list[str] = []
    arguments: list[str] = []
    for argument, _ in parameters(handler):
        if argument.arg not in used:
            continue
        annotation = _service_type(module, argument.annotation, needs)
        if annotation is None:
            return None
        arguments.append(argument.arg)
        typed.append(f"{argument.arg}: {annotation}" if annotation else argument.arg)
    returns = ""
    if handler.returns is not None:
        if _names_of(module, handler.returns, needs) is None:
            return None
        returns = f" -> {module.source(handler.returns)}"
    for name in used - set(arguments):
        qualified = module.imports.get(name)
        if qualified is None:
            return None
        needs[name] = qualified
    imports = _import_lines(service, needs)
    alias = _service_alias(module, service)
    if imports is None or alias is None:
        return None
    asynchronous = isinstance(handler, ast.AsyncFunctionDef)
    first, last = body[0].lineno, body[-1].end_lineno or body[-1].lineno
    moved = "".join(module.lines[first - 1 : last]).rstrip("\n") + "\n"
    header = f"{'async def' if asynchronous else 'def'} {handler.name}({', '.join(typed)})"
    call = f"{alias[0]}.{handler.name}({', '.join(arguments)})"
    route_edits = [
        Edit(first, 1, last + 1, 1, f"{_INDENT}return {'await ' * asynchronous}{call}\n")
    ]
    if alias[1]:
        route_edits.insert(0, _after_imports(module, alias[1]))
    service_edits = [_at_end(service, f"{header}{returns}:\n{moved}")]
    if imports:
        service_edits.insert(0, _after_imports(service, "".join(imports)))
    return Fix(Applicability.UNSAFE, tuple(route_edits), ((service.path, tuple(service_edits)),))


def _service_module(module: ParsedModule) -> ParsedModule | None:
    """`app/services/users.py` for `app/api/routes/users.py`; `orders/service.py` for
    `orders/views.py`."""
    package, _, last = module.name.rpartition(".")
    for sibling in ("service", "services"):
        found = module.codebase.modules.get(f"{package}.{sibling}")
        if found is not None and not found.is_package:
            return found
    names = {last, last.removesuffix("s"), last + "s"}
    matches = [
        other
        for other in module.codebase.modules.values()
        if other.layer == "services" and other.name.rpartition(".")[2] in names
    ]
    return matches[0] if len(matches) == 1 else None


def _moved_statements(handler: Function) -> list[ast.stmt]:
    """The body without its docstring; nothing for a generator (a streaming handler)."""
    body = list(handler.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if any(isinstance(n, ast.Yield | ast.YieldFrom) for s in body for n in ast.walk(s)):
        return []
    return body


def _indent(module: ParsedModule, body: list[ast.stmt]) -> str:
    line = module.lines[body[0].lineno - 1]
    return line[: len(line) - len(line.lstrip())]


def _free_names(body: list[ast.stmt]) -> set[str]:
    """Names the statements read that they do not bind themselves."""
    loaded: set[str] = set()
    bound: set[str] = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
    return loaded - bound - _BUILTINS


def _service_type(
    module: ParsedModule, annotation: ast.expr | None, needs: dict[str, str]
) -> str | None:
    """How the service annotates a parameter: the type behind `Annotated[...]` or an alias
    such as `SessionDep`; "" when it has none; None when it is an HTTP type."""
    if annotation is None:
        return ""
    owner, node = module, unwrap_annotated(module, annotation)[0]
    name = module.resolve(node)
    found = module.codebase.definition(name) if name is not None else None
    if found is not None and isinstance(found[1], ast.Subscript):
        inner, metadata = unwrap_annotated(found[0], found[1])
        if metadata:
            owner, node = found[0], inner
    if _names_of(owner, node, needs) is None:
        return None
    return owner.source(node)


def _names_of(owner: ParsedModule, node: ast.expr, needs: dict[str, str]) -> set[str] | None:
    """Add what the names in a type expression are bound to; None for HTTP or local names."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - _BUILTINS
    for name in names:
        qualified = owner.imports.get(name)
        if qualified is None and (name in owner.classes or name in owner.assignments):
            qualified = f"{owner.name}.{name}"
        if qualified is None or qualified.split(".")[0] in WEB_FRAMEWORKS:
            return None
        needs[name] = qualified
    return names


def _import_lines(service: ParsedModule, needs: dict[str, str]) -> list[str] | None:
    """Import lines the service lacks; None when one of the names means something else there."""
    lines = []
    for name, qualified in sorted(needs.items()):
        if qualified.split(".")[0] in WEB_FRAMEWORKS:
            return None
        if service.imports.get(name) == qualified or qualified == f"{service.name}.{name}":
            continue
        taken = service.imports.keys() | service.functions.keys() | service.assignments.keys()
        if name in taken or name in service.classes:
            return None
        package, _, last = qualified.rpartition(".")
        if not package:
            lines.append(
                f"import {qualified}\n" if qualified == name else f"import {qualified} as {name}\n"
            )
        else:
            lines.append(f"from {package} import {last}{'' if last == name else f' as {name}'}\n")
    return sorted(lines)


def _service_alias(module: ParsedModule, service: ParsedModule) -> tuple[str, str] | None:
    """(name the route calls the service by, import line to add or "")."""
    for local, qualified in module.imports.items():
        if qualified == service.name:
            return local, ""
    package, _, last = service.name.rpartition(".")
    taken = module.imports.keys() | module.assignments.keys() | module.functions.keys()
    for alias in (last, f"{last}_service"):
        if alias not in taken and alias not in module.classes:
            return alias, f"from {package} import {last}{'' if alias == last else f' as {alias}'}\n"
    return None


def _after_imports(module: ParsedModule, content: str) -> Edit:
    imports = [s for s in module.tree.body if isinstance(s, ast.Import | ast.ImportFrom)]
    line = (imports[-1].end_lineno or imports[-1].lineno) + 1 if imports else 1
    return Edit(line, 1, line, 1, content)


def _at_end(module: ParsedModule, function: str) -> Edit:
    """The function appended after the module's last line, two blank lines above it."""
    lines = module.lines
    last = len(lines)
    text = "\n\n\n" + function if lines else function
    if lines and not lines[-1].endswith("\n"):
        return Edit(last, len(lines[-1]) + 1, last, len(lines[-1]) + 1, text)
    return Edit(last + 1, 1, last + 1, 1, text.removeprefix("\n") if lines else text)
