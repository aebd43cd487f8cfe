"""Register resource routers in `app/api/router.py` through libcst, keeping the user's edits.

The file may have been edited (other routers, comments, middleware): we add only what is
missing, an import of the routes module and one `include_router` call, and never rewrite it.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from backend_agent.errors import ProjectError

ROUTER_FILE = "app/api/router.py"
ROUTES_PACKAGE = "app.api.routes"
ROUTER_NAME = "api_router"


def register_routers(source: str, modules: list[str], *, remove: list[str] | None = None) -> str:
    """Return `source` with `api_router.include_router(<module>.router)` for each module,
    and without the imports and calls of the modules in `remove` (removed resources)."""
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise ProjectError(f"{ROUTER_FILE} does not parse ({error.message}); fix it") from None
    if remove:
        tree = tree.visit(_IncludeRemover({f"{module}.router" for module in remove}))
        context = CodemodContext()
        for module in remove:
            RemoveImportsVisitor.remove_unused_import(context, ROUTES_PACKAGE, module)
        tree = RemoveImportsVisitor(context).transform_module(tree)
    missing = [module for module in modules if not _includes(tree, module)]
    if not missing:
        return tree.code
    context = CodemodContext()
    for module in missing:
        AddImportsVisitor.add_needed_import(context, ROUTES_PACKAGE, module)
    tree = AddImportsVisitor(context).transform_module(tree)
    calls = [
        cst.parse_statement(f"{ROUTER_NAME}.include_router({module}.router)\n")
        for module in missing
    ]
    return tree.with_changes(body=[*tree.body, *calls]).code


def _includes(tree: cst.Module, module: str) -> bool:
    """Whether an `include_router(<module>.router ...)` call is already in the file."""
    wanted = f"{module}.router"
    finder = _IncludeFinder()
    tree.visit(finder)
    return wanted in finder.included


class _IncludeFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.included: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "include_router" and node.args:
            self.included.add(cst.Module([]).code_for_node(node.args[0].value))


class _IncludeRemover(cst.CSTTransformer):
    """Drops `x.include_router(<module>.router ...)` statements for removed modules."""

    def __init__(self, targets: set[str]) -> None:
        self.targets = targets

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        for statement in updated_node.body:
            call = statement.value if isinstance(statement, cst.Expr) else None
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "include_router"
                and call.args
                and cst.Module([]).code_for_node(call.args[0].value) in self.targets
            ):
                return cst.RemoveFromParent()
        return updated_node
