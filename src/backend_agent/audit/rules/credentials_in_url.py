"""Credentials in URL: a string literal holds a connection string with a password.

What it finds:
    Any string literal (outside docstrings) containing `scheme://user:password@`, such
    as an inline `create_engine("postgresql://app:pw@db/app")` or a URL in a dict.
    Placeholders (`{password}`, `${DB_PASSWORD}`, `<password>`, `***`) are not reported.
    Literals assigned at module or class level and `getenv` fallbacks are reported by
    BA301 and BA302 instead, so each literal is reported once.

Why it matters:
    The password is in the repository for everyone with read access and in its history
    forever, and the URL pins one environment's database into the code.

Example:
    engine = create_async_engine("postgresql+asyncpg://app:hunter2@db:5432/app")

Use instead:
    engine = create_async_engine(settings.database_url.get_secret_value())

Fix safety:
    No automatic fix: the setting has to be added and provided.

Known limits:
    URLs assembled from parts or f-strings are not inspected. Tests are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules._secret_patterns import assignments, getenv_fallback, literal_default
from backend_agent.secret_text import credentials, mentions_credentials


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report URLs with passwords in literals that BA301/BA302 do not cover."""
    if module.is_test or not mentions_credentials(module.text):
        return
    covered = {id(literal_default(module, value)) for _, value, _, _ in assignments(module)}
    docstrings = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
        elif isinstance(node, ast.Call):
            found = getenv_fallback(module, node)
            if found is not None:
                covered.add(id(found[1]))
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in covered
            and id(node) not in docstrings
        ):
            masked = credentials(node.value)
            if masked is not None:
                yield module.violation(
                    node,
                    f"String literal holds a connection string with a password: `{masked}`",
                    "Read the URL from settings (a `SecretStr` field filled from the environment)",
                )
