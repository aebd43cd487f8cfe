"""Dotted module names of the checked files, the same whichever folder was passed.

A file is named from the folder its project imports it from: `backend/app/api/deps.py`
is `app.api.deps` when the code imports `app.…`, whether the check started at the
repository root, at `backend/` or at `backend/app/`. A folder is such an import root
when it holds a package or module whose name some file imports absolutely.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path


def module_names(
    files: Sequence[tuple[Path, ast.Module | None]], root: Path
) -> list[tuple[str, bool]]:
    """(dotted name, is a package) of each file, in order.

    Args:
        files: Absolute path and syntax tree of each file.
        root: The configuration's root; import roots lie at or below its parent.
    """
    imported = {name for _, tree in files if tree is not None for name in _top_level_imports(tree)}
    lowest = root.parent
    roots: set[Path] = set()
    for path, _ in files:
        for directory in (path, *path.parents):
            if directory == lowest:
                break
            if directory.stem in imported:
                roots.add(directory.parent)
    return [_name(path, roots, root) for path, _ in files]


def _name(path: Path, roots: set[Path], root: Path) -> tuple[str, bool]:
    base = next((parent for parent in reversed(path.parents) if parent in roots), None)
    if base is None:
        base = root
    try:
        parts = list(path.relative_to(base).with_suffix("").parts)
    except ValueError:
        parts = [path.stem]
    if base == root and parts and parts[0] == "src":
        parts = parts[1:]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts) or path.stem, is_package


def _top_level_imports(tree: ast.Module) -> Iterator[str]:
    """First components of absolute imports at module level (under `if`/`try` too)."""
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        statement = statements.pop()
        if isinstance(statement, ast.Import):
            yield from (alias.name.split(".")[0] for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and not statement.level and statement.module:
            yield statement.module.split(".")[0]
        elif isinstance(statement, ast.If | ast.Try):
            statements += [*statement.body, *statement.orelse]
            if isinstance(statement, ast.Try):
                statements += [s for handler in statement.handlers for s in handler.body]
