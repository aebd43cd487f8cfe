"""The audited codebase seen whole: one per run, shared by every rule, changed by none.

`from app.core.errors import HTTPException` is still FastAPI's `HTTPException` when
`app/core/errors.py` imports it from fastapi; the codebase follows such chains across
modules, finds definitions and subclasses, and keeps the answers rules share (type
environments, what a helper blocks on) so each is worked out once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from backend_agent.audit.config import AuditConfig
from backend_agent.audit.naming import module_names
from backend_agent.audit.parsed_module import Function, ParsedModule

_MAX_HOPS = 12
_CLASS_TYPES = frozenset({"builtins.type", "typing.Type"})
_T = TypeVar("_T")


class Codebase:
    """All modules of one run, by dotted name."""

    def __init__(
        self, files: Sequence[tuple[Path, str, ast.Module | None]], config: AuditConfig
    ) -> None:
        """Name every file and index the parsed ones.

        Args:
            files: (absolute path, source, syntax tree or None when unparsed) of each file.
            config: Layers, the root, and the rest of the settings.
        """
        names = module_names([(path, tree) for path, _, tree in files], config.root)
        self.names: dict[Path, str] = {}
        """Every file's dotted module name, parsed or not."""
        self.checked: dict[Path, ParsedModule] = {}
        """The parsed files, by path: what the rules check."""
        self.modules: dict[str, ParsedModule] = {}
        """The parsed files by name (the first of two files with one name wins)."""
        for (path, text, tree), (name, is_package) in zip(files, names, strict=True):
            self.names[path] = name
            if tree is None:
                continue
            module = ParsedModule(path, name, is_package, text, tree, config, self)
            self.checked[path] = module
            self.modules.setdefault(name, module)
        self.top_level = frozenset(name.split(".")[0] for name in self.modules)
        """First components of our module names: imports under them are the codebase's own."""
        self._resolved: dict[str, str] = {}
        self._memo: dict[tuple[str, int], object] = {}

    def memo(self, kind: str, node: object, compute: Callable[[], _T]) -> _T:
        """The answer of kind `kind` about `node` (a syntax node, or the codebase itself for
        a fact of the whole run), computed once per run."""
        key = (kind, id(node))
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[return-value]

    def _split(self, name: str) -> tuple[ParsedModule, list[str]] | None:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.modules.get(".".join(parts[:cut]))
            if module is not None:
                return module, parts[cut:]
        return None

    def resolve(self, name: str) -> str:
        """Follow re-exports: a name imported into a project module resolves to its origin.

        Args:
            name: A qualified name such as `app.core.errors.HTTPException`.

        Returns:
            The qualified name of the definition, e.g. `fastapi.HTTPException`.
        """
        cached = self._resolved.get(name)
        if cached is not None:
            return cached
        current = name
        for _ in range(_MAX_HOPS):
            split = self._split(current)
            if split is None:
                break
            module, rest = split
            target = module.imports.get(rest[0])
            if target is None or target == current:
                break
            current = ".".join([target, *rest[1:]])
        self._resolved[name] = current
        return current

    def module_of(self, name: str) -> ParsedModule | None:
        """The codebase module a name is, or defines a symbol of (`app.db.session.engine`)."""
        if name in self.modules:
            return self.modules[name]
        split = self._split(name)
        return split[0] if split is not None and len(split[1]) == 1 else None

    def definition(self, name: str) -> tuple[ParsedModule, ast.AST] | None:
        """The module and node defining a resolved project name (function, class or value)."""
        split = self._split(self.resolve(name))
        if split is None:
            return None
        module, rest = split
        if len(rest) != 1:
            return None
        symbol = rest[0]
        found: ast.AST | None = (
            module.functions.get(symbol)
            or module.classes.get(symbol)
            or module.assignments.get(symbol)
        )
        return None if found is None else (module, found)

    def function(self, name: str) -> tuple[ParsedModule, Function] | None:
        """The project function a qualified name resolves to, if any."""
        found = self.definition(name)
        if found is not None and isinstance(found[1], ast.FunctionDef | ast.AsyncFunctionDef):
            return found[0], found[1]
        return None

    def is_subclass(self, name: str, bases: frozenset[str], _depth: int = 0) -> bool:
        """Whether the class `name` is one of `bases` or derives from one through project classes.

        Args:
            name: A qualified class name.
            bases: Qualified names of the base classes looked for.
            _depth: Guards against cycles.
        """
        resolved = self.resolve(name)
        if resolved in bases:
            return True
        found = self.definition(resolved)
        if found is None or _depth > _MAX_HOPS:
            return False
        module, node = found
        if isinstance(node, ast.expr):
            aliased = self.class_of_alias(module, node)
            return aliased is not None and self.is_subclass(aliased, bases, _depth + 1)
        if not isinstance(node, ast.ClassDef):
            return False
        for base in node.bases:
            base_name = module.resolve(base)
            if base_name is not None and self.is_subclass(base_name, bases, _depth + 1):
                return True
        return False

    def class_of_alias(self, module: ParsedModule, value: ast.expr) -> str | None:
        """The class a module-level value names: `Router = APIRouter`, or a class factory
        `APIRouter = get_router_class(...)` whose return type is `type[X]`."""
        if isinstance(value, ast.Name | ast.Attribute):
            return module.resolve(value)
        if not isinstance(value, ast.Call):
            return None
        called = module.resolve(value.func)
        found = self.function(called) if called is not None else None
        if found is None:
            return None
        owner, factory = found
        returns = factory.returns
        if isinstance(returns, ast.Subscript) and owner.resolve(returns.value) in _CLASS_TYPES:
            return owner.resolve(returns.slice)
        return None

    def returned_class(self, name: str) -> str | None:
        """The class a project function's return annotation names (`def make() -> APIRouter`)."""
        found = self.function(name)
        if found is None or found[1].returns is None:
            return None
        return found[0].resolve(found[1].returns)

    def is_local(self, name: str) -> bool:
        """Whether a qualified name lives in the checked project (not a library)."""
        return name.split(".")[0] in self.top_level
