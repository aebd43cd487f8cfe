"""Where secrets sit in code: literal defaults, environment fallbacks, module and class
assignments (what a secret looks like is `backend_agent.secret_text`)."""

from __future__ import annotations

import ast

from backend_agent.audit.knowledge import GETENV, SECRET_WRAPPERS
from backend_agent.audit.parsed_module import ParsedModule


def literal_default(module: ParsedModule, value: ast.expr | None) -> ast.Constant | None:
    """The non-empty string literal a default is, or wraps (`SecretStr("...")`, `Field("...")`)."""
    if isinstance(value, ast.Call) and module.resolve(value.func) in SECRET_WRAPPERS:
        keyword = next((k.value for k in value.keywords if k.arg == "default"), None)
        value = keyword if keyword is not None else (value.args[0] if value.args else None)
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
        return value
    return None


def getenv_fallback(module: ParsedModule, call: ast.Call) -> tuple[str, ast.Constant] | None:
    """(variable name, literal fallback) of `os.getenv("NAME", "fallback")` and friends."""
    if len(call.args) < 2 or module.resolve(call.func) not in GETENV:
        return None
    name, fallback = call.args[0], call.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    if isinstance(fallback, ast.Constant) and isinstance(fallback.value, str) and fallback.value:
        return name.value, fallback
    return None


def assignments(module: ParsedModule) -> list[tuple[str, ast.expr, ast.stmt, ast.ClassDef | None]]:
    """Module- and class-level `name = value` with a value: (name, value, statement, class)."""
    found: list[tuple[str, ast.expr, ast.stmt, ast.ClassDef | None]] = []
    scopes: list[tuple[list[ast.stmt], ast.ClassDef | None]] = [(module.tree.body, None)]
    while scopes:
        body, owner = scopes.pop()
        for statement in body:
            if isinstance(statement, ast.ClassDef):
                scopes.append((statement.body, statement))
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        found.append((target.id, statement.value, statement, owner))
            elif (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value is not None
            ):
                found.append((statement.target.id, statement.value, statement, owner))
    return found
