"""Which expressions are database objects: sessions, engines, clients, collections.

A small flow-insensitive inference over one function: parameter annotations (through
`Annotated` aliases and `Depends(...)` providers), `with ... as name`, and assignments.
It knows nothing it cannot resolve, so an unknown receiver is never reported.
"""

from __future__ import annotations

import ast

from backend_agent.audit.knowledge import (
    ANNOTATED,
    DB_TYPES,
    DEPENDS,
    DERIVED,
    FACTORIES,
    ITERATORS,
    NEW_TYPES,
    OPTIONAL,
    DbType,
)
from backend_agent.audit.parsed_module import Function, ParsedModule, parameters

_MAX_DEPTH = 8


def annotation_type(module: ParsedModule, node: ast.expr | None, depth: int = 0) -> DbType | None:
    """The database type an annotation names, looking through aliases, Optional and Annotated.

    Args:
        module: Where the annotation is written (names resolve there).
        node: The annotation, or None when there is none.
        depth: Guards against alias cycles.
    """
    if node is None or depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
        return annotation_type(module, parsed, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return annotation_type(module, node.left, depth + 1) or annotation_type(
            module, node.right, depth + 1
        )
    if isinstance(node, ast.Subscript):
        base = module.resolve(node.value)
        arguments = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in ANNOTATED or base in ITERATORS:
            return annotation_type(module, arguments[0], depth + 1)
        if base in OPTIONAL:
            for argument in arguments:
                found = annotation_type(module, argument, depth + 1)
                if found is not None:
                    return found
            return None
        return annotation_type(module, node.value, depth + 1)
    name = module.resolve(node)
    if name is None:
        return None
    if name in DB_TYPES:
        return DB_TYPES[name]
    alias = module.codebase.definition(name)
    if alias is not None and isinstance(alias[1], ast.expr):
        owner, value = alias[0], alias[1]
        if isinstance(value, ast.Call) and owner.resolve(value.func) in NEW_TYPES:
            return annotation_type(owner, value.args[1], depth + 1) if len(value.args) > 1 else None
        return annotation_type(owner, value, depth + 1)
    return None


def provider_type(module: ParsedModule, default: ast.expr | None, depth: int = 0) -> DbType | None:
    """The type a `Depends(provider)` default yields, from the provider's annotation or body."""
    if not (
        isinstance(default, ast.Call) and default.args and module.resolve(default.func) in DEPENDS
    ):
        return None
    name = module.resolve(default.args[0])
    if name is None or depth > _MAX_DEPTH:
        return None
    found = module.codebase.function(name)
    if found is None:
        return None
    owner, provider = found
    declared = annotation_type(owner, provider.returns, depth + 1)
    if declared is not None:
        return declared
    env = types_in(owner, provider)
    for node in ast.walk(provider):
        if isinstance(node, ast.Yield | ast.Return) and node.value is not None:
            inferred = env.infer(node.value)
            if inferred is not None:
                return inferred
    return None


class TypeEnv:
    """Database types of the names in one function."""

    def __init__(self, module: ParsedModule, function: Function | None) -> None:
        """Collect types from parameters, `with` targets and assignments (none at module level)."""
        self.module = module
        self.names: dict[str, DbType] = {}
        self.own: str | None = None
        """The name of a method's `self`, whose attributes have the class's types."""
        self.attributes: dict[str, DbType] = {}
        if function is not None:
            self._collect(function)
            owner = module.method_classes.get(id(function))
            arguments = [*function.args.posonlyargs, *function.args.args]
            if owner is not None and arguments:
                self.own = arguments[0].arg
                self.attributes = class_attributes(module, owner)

    def _collect(self, function: Function) -> None:
        module = self.module
        for argument, default in parameters(function):
            found = annotation_type(module, argument.annotation) or provider_type(module, default)
            if found is not None:
                self.names[argument.arg] = found
        for node in module.bindings_in(function):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                self._bind(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found = annotation_type(module, node.annotation)
                if found is not None:
                    self.names[node.target.id] = found
                elif node.value is not None:
                    self._bind(node.target.id, node.value)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self._bind(item.optional_vars.id, item.context_expr)

    def _bind(self, name: str, value: ast.expr) -> None:
        found = self.infer(value)
        if found is not None:
            self.names[name] = found

    def infer(self, node: ast.expr, depth: int = 0) -> DbType | None:
        """The database type of an expression, or None when it is not known to be one."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Await):
            return self.infer(node.value, depth + 1)
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Subscript):
            return _member(self.infer(node.value, depth + 1))
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == self.own:
                found = self.attributes.get(node.attr)
                if found is not None:
                    return found
            base = self.infer(node.value, depth + 1)
            if base is not None:
                return _member(base)
        return global_type(self.module, node, depth)

    def _call(self, node: ast.Call, depth: int) -> DbType | None:
        if isinstance(node.func, ast.Attribute):
            base = self.infer(node.func.value, depth + 1)
            if base is not None:
                kind = DERIVED.get((base.kind, node.func.attr))
                return None if kind is None else DbType(kind, base.is_async, base.family)
        name = self.module.resolve(node.func)
        if name is not None:
            if name in FACTORIES:
                return FACTORIES[name]
            if name in DB_TYPES:
                return DB_TYPES[name]
        called = self.infer(node.func, depth + 1)
        if called is not None and called.kind == "sessionmaker":
            return DbType("session", called.is_async, called.family)
        if name is not None:
            found = self.module.codebase.function(name)
            if found is not None:
                return annotation_type(found[0], found[1].returns)
        return None


def _member(base: DbType | None) -> DbType | None:
    """`client["db"]`/`client.db` is a database, `database["c"]`/`database.c` a collection."""
    if base is None or base.family != "mongo":
        return None
    if base.kind == "client":
        return DbType("database", base.is_async, "mongo")
    if base.kind == "database":
        return DbType("collection", base.is_async, "mongo")
    return None


def global_type(module: ParsedModule, node: ast.expr, depth: int = 0) -> DbType | None:
    """The type of a project-level name (`SessionLocal = sessionmaker(...)`, `engine = ...`)."""
    if depth > _MAX_DEPTH or not isinstance(node, ast.Name | ast.Attribute):
        return None
    name = module.resolve(node)
    if name is None:
        return None
    found = module.codebase.definition(name)
    if found is None:
        return None
    owner, value = found
    annotation = owner.annotations.get(name.rsplit(".", 1)[-1])
    if annotation is not None:
        return annotation_type(owner, annotation)
    if isinstance(value, ast.Call):
        return TypeEnv(owner, None).infer(value, depth + 1)
    return None


def class_attributes(module: ParsedModule, owner: ast.ClassDef) -> dict[str, DbType]:
    """Database types of a class's attributes: `session: Session` in the body, or
    `self.session = session` in a method whose parameter is typed."""

    def collect() -> dict[str, DbType]:
        found: dict[str, DbType] = {}
        for statement in owner.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                kind = annotation_type(module, statement.annotation)
                if kind is not None:
                    found[statement.target.id] = kind
            elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = [*statement.args.posonlyargs, *statement.args.args]
                if not arguments:
                    continue
                own = arguments[0].arg
                typed = {
                    argument.arg: kind
                    for argument, _ in parameters(statement)
                    if (kind := annotation_type(module, argument.annotation)) is not None
                }
                for node in module.bindings_in(statement):
                    target = node.targets[0] if isinstance(node, ast.Assign) else None
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == own
                        and isinstance(node, ast.Assign)
                        and isinstance(node.value, ast.Name)
                        and node.value.id in typed
                    ):
                        found[target.attr] = typed[node.value.id]
        return found

    return module.codebase.memo("attributes", owner, collect)


def types_in(module: ParsedModule, function: Function) -> TypeEnv:
    """The type environment of a function, worked out once per run."""
    return module.codebase.memo("types", function, lambda: TypeEnv(module, function))
