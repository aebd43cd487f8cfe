"""Secret env fallback: `os.getenv("API_KEY", "literal")` ships a secret as the fallback.

What it finds:
    `os.getenv`, `os.environ.get` and `os.environ.setdefault` calls (however imported)
    whose variable name ends in a secret word (key, token, secret, password...) and whose
    fallback is a non-empty string literal, or whose fallback is a URL with a password.

Why it matters:
    The fallback is the secret in the code, and it is used silently whenever the
    environment lacks the variable: production can run on the development key or
    database without anyone noticing.

Example:
    import os

    OPENAI_API_KEY = os.getenv("OPENAI_API_KEY", "sk-dev-123")
    DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:app@localhost/app")

Use instead:
    class Settings(BaseSettings):
        openai_api_key: SecretStr
        database_url: SecretStr

Fix safety:
    Unsafe: rewrites the call to `os.environ["NAME"]`, which raises `KeyError` when the
    variable is missing instead of using the literal. That is the point, but the program
    now needs the variable. Offered only when the call is spelled through `os` or
    `os.environ` (not a bare imported `getenv`).

Known limits:
    Fallbacks built from variables or f-strings are not inspected. Tests are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.finding import Applicability, Edit, Fix
from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules._secret_patterns import getenv_fallback
from backend_agent.secret_text import credentials, is_secret_name


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report environment lookups with a secret literal fallback."""
    if module.is_test or ("getenv" not in module.text and "environ" not in module.text):
        return
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        found = getenv_fallback(module, node)
        if found is None:
            continue
        variable, fallback = found
        masked = credentials(str(fallback.value))
        if masked is None and not is_secret_name(variable):
            continue
        what = "a connection string with a password" if masked else "a secret literal"
        yield module.violation(
            node,
            f"`{variable}` falls back to {what} when the environment lacks it",
            f'Require the variable: `os.environ["{variable}"]`, or a required settings field',
            _require(module, node, variable),
        )


def _require(module: ParsedModule, call: ast.Call, variable: str) -> Fix | None:
    function = call.func
    if not isinstance(function, ast.Attribute) or function.attr == "setdefault":
        return None
    target = module.resolve(function.value)
    if target == "os.environ":
        environ = module.source(function.value)
    elif target == "os":
        environ = module.source(function.value) + ".environ"
    else:
        return None
    span = module.violation(call, "", "")
    replacement = f"{environ}[{variable!r}]".replace("'", '"')
    return Fix(
        Applicability.UNSAFE,
        (Edit(span.line, span.column, span.end_line, span.end_column, replacement),),
    )
