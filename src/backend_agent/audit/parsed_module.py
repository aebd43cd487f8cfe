"""One parsed source file and what the rules ask of it: names, layer, handlers, positions.

The tables come from one walk of the syntax tree when the file is loaded, so the rules
share the work instead of each walking the file again.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from backend_agent.audit.config import TEST_DIRECTORIES, AuditConfig
from backend_agent.audit.finding import Fix
from backend_agent.audit.knowledge import ROUTE_METHODS, ROUTER_TYPES

if TYPE_CHECKING:
    from backend_agent.audit.codebase import Codebase

Function = ast.FunctionDef | ast.AsyncFunctionDef
_BUILTINS = frozenset(dir(builtins))
_MODULE_SCOPE = 0
_LEAVES = (
    ast.Name,
    ast.Constant,
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
)
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_BINDINGS = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith})
_SCRIPT_FOLDERS = frozenset({"scripts", "script", "bin", "migrations", "alembic", "revisions"})
_SCRIPT_FILES = frozenset({"cli.py", "manage.py", "__main__.py", "env.py"})


@dataclass(frozen=True)
class Violation:
    """A rule's report before the runner gives it a code and a file."""

    message: str
    """Names the problem."""
    fix_title: str
    """Names the remedy."""
    line: int
    """Start line, from 1."""
    column: int
    """Start column, from 1, in characters."""
    end_line: int
    """End line."""
    end_column: int
    """Column just past the end."""
    fix: Fix | None = None
    """Edits that resolve it, when the rule can write them."""


@dataclass(frozen=True)
class RouteHandler:
    """A function registered as a route by a router decorator."""

    function: Function
    """The handler."""
    decorator: ast.Call
    """The `@router.get(...)` call (its keywords hold `response_model`)."""


def relative_path(path: Path, config: AuditConfig) -> PurePosixPath:
    """A file's path relative to the config root (its name alone when outside it)."""
    try:
        return PurePosixPath(path.relative_to(config.root).as_posix())
    except ValueError:
        return PurePosixPath(path.name)


def parameters(function: Function) -> Iterator[tuple[ast.arg, ast.expr | None]]:
    """Each parameter of a function with its default (None when it has none)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    padding: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    yield from zip(positional, [*padding, *arguments.defaults], strict=True)
    yield from zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)


class ParsedModule:
    """A parsed file with its symbol tables; rules read it, never change it."""

    def __init__(
        self,
        path: Path,
        name: str,
        is_package: bool,
        text: str,
        tree: ast.Module,
        config: AuditConfig,
        codebase: Codebase,
    ) -> None:
        """Index the file in one walk.

        Args:
            path: Absolute path of the file.
            name: Its dotted module name (`app.api.deps`).
            is_package: Whether it is a package's `__init__.py`.
            text: The source.
            tree: The parsed source.
            config: Layer definitions come from here.
            codebase: The run's codebase, through which names resolve across files.
        """
        self.path = path
        self.relative = relative_path(path, config)
        """Path relative to the config root (per-file ignores, test folders)."""
        self.name = name
        self.is_package = is_package
        self.text = text
        self.tree = tree
        self.config = config
        self.codebase = codebase
        self.imports: dict[str, str] = {}
        """Local name -> qualified name it is bound to by an import."""
        self.import_nodes: list[tuple[ast.Import | ast.ImportFrom, list[str]]] = []
        """Each import statement with the qualified names it brings in."""
        self.functions: dict[str, Function] = {}
        """Module-level functions."""
        self.classes: dict[str, ast.ClassDef] = {}
        """Module-level classes."""
        self.assignments: dict[str, ast.expr] = {}
        """Module-level `name = value` (and annotated assignments with a value)."""
        self.annotations: dict[str, ast.expr] = {}
        """Module-level `name: T` annotations."""
        self.all_functions: list[Function] = []
        """Every function at any depth, methods included."""
        self.calls_assigned: list[ast.Assign] = []
        """Assignments of a call result to a name, at any depth (routers are found here)."""
        self.has_decorators = False
        self.calls: dict[int, list[ast.Call]] = {}
        """Calls by enclosing function (node id; `_MODULE_SCOPE` for module level)."""
        self.bindings: dict[int, list[ast.stmt]] = {}
        """Assignments and `with` statements by enclosing function."""
        self.raises: list[ast.Raise] = []
        """Every `raise` statement."""
        self.method_classes: dict[int, ast.ClassDef] = {}
        """The class of each method, by the method's node id."""
        self._index()

    def _index(self) -> None:
        for statement in self.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions[statement.name] = statement
            elif isinstance(statement, ast.ClassDef):
                self.classes[statement.name] = statement
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        self.assignments[target.id] = statement.value
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                self.annotations[statement.target.id] = statement.annotation
                if statement.value is not None:
                    self.assignments[statement.target.id] = statement.value
        stack: list[tuple[ast.AST, int]] = [(self.tree, _MODULE_SCOPE)]
        pop, push = stack.pop, stack.append
        while stack:
            node, scope = pop()
            kind = type(node)
            if kind is ast.Call:
                self.calls.setdefault(scope, []).append(node)  # type: ignore[arg-type]
            elif kind in _BINDINGS:
                self._binding(node, scope)
            elif kind is ast.Import or kind is ast.ImportFrom:
                self._import(node)  # type: ignore[arg-type]
                continue
            elif kind is ast.Raise:
                self.raises.append(node)  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                for statement in node.body:  # type: ignore[attr-defined]
                    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.method_classes[id(statement)] = node  # type: ignore[assignment]
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda:
                scope = self._function(node, scope, push)
            fields = _FIELDS.get(kind)
            if fields is None:
                fields = _FIELDS[kind] = tuple(
                    f
                    for f in kind._fields
                    if f not in ("ctx", "op", "type_comment", "decorator_list")
                )
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, ast.AST) and not isinstance(item, _LEAVES):
                            push((item, scope))
                elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                    push((value, scope))

    def _binding(self, node: ast.AST, scope: int) -> None:
        assert isinstance(node, ast.Assign | ast.AnnAssign | ast.With | ast.AsyncWith)
        self.bindings.setdefault(scope, []).append(node)
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            self.calls_assigned.append(node)

    def _function(
        self, node: ast.AST, scope: int, push: Callable[[tuple[ast.AST, int]], None]
    ) -> int:
        """Record a function and queue its decorators in the enclosing scope; return its scope."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.all_functions.append(node)
            self.has_decorators = self.has_decorators or bool(node.decorator_list)
            for decorator in node.decorator_list:
                push((decorator, scope))
        return id(node)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        names = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self.imports[head] = head
                names.append(alias.name)
        else:
            base = self._absolute(node)
            for alias in node.names:
                if alias.name == "*":
                    names.append(base)
                    continue
                qualified = f"{base}.{alias.name}" if base else alias.name
                self.imports[alias.asname or alias.name] = qualified
                names.append(qualified)
        self.import_nodes.append((node, names))

    def calls_in(self, function: Function | None) -> list[ast.Call]:
        """Calls in a function's own body (not in nested functions); module level for None."""
        return self.calls.get(_MODULE_SCOPE if function is None else id(function), [])

    def bindings_in(self, function: Function | None) -> list[ast.stmt]:
        """Assignments and `with` statements in a function's own body (module level for None)."""
        return self.bindings.get(_MODULE_SCOPE if function is None else id(function), [])

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.name.split(".")
        if not self.is_package:
            package = package[:-1]
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, *([node.module] if node.module else [])])

    # Names ---------------------------------------------------------------------------

    def qualname(self, node: ast.AST) -> str | None:
        """The qualified name an expression like `a.b.c` refers to, before re-exports.

        Returns:
            `fastapi.HTTPException` for `E` after `from fastapi import HTTPException as E`,
            `<module>.f` for a module-level definition, `builtins.dict` for a builtin,
            None for anything else (locals, calls, subscripts).
        """
        attributes: list[str] = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = node.id
        if head in self.imports:
            base = self.imports[head]
        elif head in self.functions or head in self.classes or head in self.assignments:
            base = f"{self.name}.{head}"
        elif head in _BUILTINS:
            base = f"builtins.{head}"
        else:
            return None
        return ".".join([base, *reversed(attributes)])

    def resolve(self, node: ast.AST) -> str | None:
        """Like `qualname`, then followed through the project's re-exports to the definition."""
        name = self.qualname(node)
        if name is None:
            return name
        return self.codebase.resolve(name)

    def imports_any(self, *prefixes: str) -> bool:
        """Whether any import brings in a name under one of the top-level packages."""
        return any(
            name == prefix or name.startswith(prefix + ".")
            for _, names in self.import_nodes
            for name in names
            for prefix in prefixes
        )

    # Where the file sits ---------------------------------------------------------------

    @cached_property
    def is_test(self) -> bool:
        """Test code: under `tests/`, or named `test_*.py`, `*_test.py`, `conftest.py`."""
        name = self.relative.name
        return (
            any(part in TEST_DIRECTORIES for part in self.relative.parts[:-1])
            or name.startswith("test_")
            or name.endswith("_test.py")
            or name == "conftest.py"
        )

    @cached_property
    def is_script(self) -> bool:
        """One-off or operator code: scripts, CLIs and migrations, by folder or file name.

        A `__main__` guard alone says nothing: app modules start uvicorn that way too.
        """
        return bool(
            _SCRIPT_FOLDERS & set(self.relative.parts[:-1]) or self.relative.name in _SCRIPT_FILES
        )

    @cached_property
    def layer(self) -> str | None:
        """The layer of the file: its innermost folder that names one, else its own name.

        `orders/service.py` is a service; `routes/users/crud.py` stays in the API layer.
        Tests, scripts and migrations belong to no layer.
        """
        if self.is_test or self.is_script:
            return None
        parts = self.name.split(".")
        folders = parts if self.is_package else parts[:-1]
        for depth in range(len(folders), 0, -1):
            layer = self.config_layer(folders[depth - 1 : depth])
            if layer is not None and not self._feature_package(folders[:depth], layer):
                return layer
        return self.config_layer(parts[-1:])

    def _feature_package(self, folder: list[str], layer: str) -> bool:
        """A folder named like a layer that holds other layers' modules is one feature.

        `dispatch/service/` (the on-call service entity) holds `models.py` and `views.py`:
        it is a feature package, not the services layer.
        """
        prefix = ".".join(folder)
        return any(
            f"{prefix}.{name}" in self.codebase.modules
            for other, names in self.config.layers.items()
            if other != layer
            for name in names
        )

    def config_layer(self, parts: list[str]) -> str | None:
        """The ordered layer of the most specific of `parts` that names one (right to left)."""
        for part in reversed(parts):
            for layer, names in self.config.layers.items():
                if part in names and self.config.layer_rank(layer) >= 0:
                    return layer
        return None

    # Routes -----------------------------------------------------------------------------

    @cached_property
    def route_handlers(self) -> list[RouteHandler]:
        """Functions decorated with `@<router>.get/post/.../api_route(...)` of a router or app."""
        if not self.has_decorators or self.is_test:
            return []
        routers = self._router_names()
        handlers = []
        for function in self.all_functions:
            for decorator in function.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in ROUTE_METHODS
                    and self._is_router(decorator.func.value, routers)
                ):
                    handlers.append(RouteHandler(function, decorator))
                    break
        return handlers

    def _router_names(self) -> set[str]:
        names = set()
        for assign in self.calls_assigned:
            call = assign.value
            if isinstance(call, ast.Call) and self.is_instance_call(call, ROUTER_TYPES):
                target = assign.targets[0]
                if isinstance(target, ast.Name):
                    names.add(target.id)
        return names

    def _is_router(self, node: ast.expr, local_routers: set[str]) -> bool:
        if isinstance(node, ast.Name) and node.id in local_routers:
            return True
        name = self.resolve(node)
        if name is None:
            return False
        found = self.codebase.definition(name)
        if found is None:
            return False
        owner, value = found
        return isinstance(value, ast.Call) and owner.is_instance_call(value, ROUTER_TYPES)

    def is_instance_call(self, call: ast.Call, classes: frozenset[str]) -> bool:
        """Whether `call` makes one of `classes`: a constructor of one or of a project subclass
        (aliases and class factories included), or a project function annotated to return one."""
        name = self.resolve(call.func)
        if name is None:
            return False
        if name in classes or self.codebase.is_subclass(name, classes):
            return True
        made = self.codebase.returned_class(name)
        return made is not None and self.codebase.is_subclass(made, classes)

    # Positions --------------------------------------------------------------------------

    @cached_property
    def lines(self) -> list[str]:
        """The source lines, with their line endings."""
        return self.text.splitlines(keepends=True)

    def column(self, line: int, byte_offset: int) -> int:
        """Convert an ast byte offset on a line to a 1-based character column."""
        if line - 1 >= len(self.lines):
            return byte_offset + 1
        text = self.lines[line - 1]
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace")) + 1

    def violation(
        self, node: ast.AST, message: str, fix_title: str, fix: Fix | None = None
    ) -> Violation:
        """A violation spanning `node`."""
        line: int = getattr(node, "lineno", 1)
        end_line: int = getattr(node, "end_lineno", None) or line
        column = self.column(line, getattr(node, "col_offset", 0))
        end_column = self.column(end_line, getattr(node, "end_col_offset", None) or 0)
        return Violation(message, fix_title, line, column, end_line, end_column, fix)

    def name_violation(
        self, function: Function, message: str, fix_title: str, fix: Fix | None = None
    ) -> Violation:
        """A violation spanning a function's name in its `def` line (not its whole body)."""
        line = function.lineno
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        start = text.find(function.name, self.column(line, function.col_offset) - 1)
        if start < 0:
            return self.violation(function, message, fix_title, fix)
        return Violation(
            message, fix_title, line, start + 1, line, start + 1 + len(function.name), fix
        )

    def source(self, node: ast.AST) -> str:
        """The exact source text of `node`."""
        line: int = getattr(node, "lineno", 1)
        end_line: int = getattr(node, "end_lineno", None) or line
        start = self.column(line, getattr(node, "col_offset", 0)) - 1
        end = self.column(end_line, getattr(node, "end_col_offset", None) or 0) - 1
        if line == end_line:
            return self.lines[line - 1][start:end]
        middle = "".join(self.lines[line : end_line - 1])
        return self.lines[line - 1][start:] + middle + self.lines[end_line - 1][:end]
