"""Register resource routers in `app/api/router.py` through libcst, keeping the user's edits.

The file holds a list, `routers`, that `create_app` includes in the app one by one: FastAPI
matches every level of included routers again on each request, so the API keeps to one.
We add only what is missing, an import of the routes module and one item of the list, and
never rewrite the rest. The file of an older project (one `api_router` including the
others) is turned into the list first; `api_router` stays, as an item, if it still includes
routers with options of their own.
"""

from __future__ import annotations

from typing import TypeVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from backend_agent.errors import ProjectError

ROUTER_FILE = "app/api/router.py"
ROUTES_PACKAGE = "app.api.routes"
LIST_NAME = "routers"
LEGACY_ROUTER = "api_router"

Assignment = TypeVar("Assignment", cst.Assign, cst.AnnAssign)


def register_routers(source: str, modules: list[str], *, remove: list[str] | None = None) -> str:
    """Return `source` with `<module>.router` in the `routers` list for each module, and
    without the imports and items of the modules in `remove` (removed resources)."""
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise ProjectError(f"{ROUTER_FILE} does not parse ({error.message}); fix it") from None
    if _routers_list(tree) is None:
        tree = _from_legacy(tree)
    wanted = [f"{module}.router" for module in modules]
    gone = {f"{module}.router" for module in remove or []}
    present = _items(tree)
    tree = tree.visit(_ListEditor(add=[item for item in wanted if item not in present], drop=gone))
    if remove:
        context = CodemodContext()
        for module in remove:
            RemoveImportsVisitor.remove_unused_import(context, ROUTES_PACKAGE, module)
        tree = RemoveImportsVisitor(context).transform_module(tree)
    context = CodemodContext()
    for module in modules:
        AddImportsVisitor.add_needed_import(context, ROUTES_PACKAGE, module)
    return AddImportsVisitor(context).transform_module(tree).code


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _routers_list(tree: cst.Module) -> cst.List | None:
    """The value of the module-level `routers = [...]` (annotated or not), if there is one."""
    for statement in tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                name, value = _assignment(small)
                if name == LIST_NAME and isinstance(value, cst.List):
                    return value
    return None


def _assignment(small: cst.CSTNode) -> tuple[str | None, cst.BaseExpression | None]:
    """(name, value) of `name = value` or `name: type = value`; (None, None) otherwise."""
    if isinstance(small, cst.AnnAssign):
        return _code(small.target), small.value
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return _code(small.targets[0].target), small.value
    return None, None


def _items(tree: cst.Module) -> set[str]:
    found = _routers_list(tree)
    return {_code(element.value) for element in found.elements} if found else set()


def _legacy_include(statement: cst.BaseStatement) -> cst.Call | None:
    """`api_router.include_router(...)` as a statement of its own."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    call = small.value if isinstance(small, cst.Expr) else None
    if isinstance(call, cst.Call) and _code(call.func) == f"{LEGACY_ROUTER}.include_router":
        return call
    return None


def _from_legacy(tree: cst.Module) -> cst.Module:
    """An older project's file with its plain includes moved into the list."""
    plain: list[str] = []
    body: list[cst.BaseStatement] = []
    for statement in tree.body:
        call = _legacy_include(statement)
        if call is not None and len(call.args) == 1 and call.args[0].keyword is None:
            plain.append(_code(call.args[0].value))
            continue
        body.append(statement)
    keeps_legacy = any(_legacy_include(statement) for statement in body)
    definition = next((n for n, statement in enumerate(body) if _defines_legacy(statement)), None)
    if definition is None:
        raise ProjectError(
            f"{ROUTER_FILE} has no `{LIST_NAME}` list; add "
            f"`{LIST_NAME}: list[APIRouter] = []` for create_app to include"
        )
    items = [LEGACY_ROUTER] if keeps_legacy else []
    listing = cst.parse_statement(f"{LIST_NAME}: list[APIRouter] = [{', '.join(items + plain)},]\n")
    if keeps_legacy:
        body.append(listing)
    else:
        replaced = body[definition]
        assert isinstance(replaced, cst.SimpleStatementLine)  # what _defines_legacy found
        body[definition] = listing.with_changes(leading_lines=replaced.leading_lines)
    return tree.with_changes(body=body)


def _defines_legacy(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        _assignment(small)[0] == LEGACY_ROUTER for small in statement.body
    )


class _ListEditor(cst.CSTTransformer):
    """Appends items to the module's `routers` list and drops those of removed modules."""

    def __init__(self, *, add: list[str], drop: set[str]) -> None:
        self.add = add
        self.drop = drop

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.AnnAssign:
        return self._edited(updated_node)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return self._edited(updated_node)

    def _edited(self, node: Assignment) -> Assignment:
        name, listing = _assignment(node)
        if name != LIST_NAME or not isinstance(listing, cst.List):
            return node
        kept: list[cst.BaseElement] = [
            element for element in listing.elements if _code(element.value) not in self.drop
        ]
        added: list[cst.BaseElement] = [
            cst.Element(cst.parse_expression(item)) for item in self.add
        ]
        elements = [element.with_changes(comma=cst.Comma()) for element in [*kept, *added]]
        return node.with_changes(value=listing.with_changes(elements=elements))
