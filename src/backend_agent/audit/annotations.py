"""Whether a type annotation says what the data looks like (`UserRead`) or not (`dict`, `Any`)."""

from __future__ import annotations

import ast

from backend_agent.audit.knowledge import ANNOTATED, CONTAINERS, OPTIONAL, UNTYPED
from backend_agent.audit.parsed_module import ParsedModule


def unwrap_annotated(module: ParsedModule, node: ast.expr) -> tuple[ast.expr, list[ast.expr]]:
    """Split `Annotated[T, *metadata]` into `T` and its metadata; other annotations pass through."""
    if isinstance(node, ast.Subscript) and module.resolve(node.value) in ANNOTATED:
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return elements[0], list(elements[1:])
    return node, []


def is_untyped(module: ParsedModule, node: ast.expr) -> bool:
    """`Any`, `object`, bare `dict`/`list`/`Mapping`, or a generic with one of those inside.

    `dict[str, int]`, `list[UserRead]`, `Page[UserRead]` and `None` are concrete.
    """
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, str):
            return False
        try:
            parsed = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
        return is_untyped(module, parsed)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return is_untyped(module, node.left) or is_untyped(module, node.right)
    if isinstance(node, ast.Subscript):
        base = module.resolve(node.value)
        arguments = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in ANNOTATED:
            return is_untyped(module, arguments[0])
        if base in OPTIONAL or base in CONTAINERS or base not in UNTYPED:
            return any(is_untyped(module, argument) for argument in arguments)
        return True
    return module.resolve(node) in UNTYPED


def is_container(module: ParsedModule, node: ast.expr) -> bool:
    """Whether the annotation is a dict/list/mapping (FastAPI reads those from the body)."""
    base = node.value if isinstance(node, ast.Subscript) else node
    return module.resolve(base) in CONTAINERS
