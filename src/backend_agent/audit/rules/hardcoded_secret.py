"""Hardcoded secret: a settings field or constant holds a secret literal.

What it finds:
    At module or class level, including fields of `BaseSettings` classes: a non-empty
    string literal (or `SecretStr("...")`, `Field("...")`) assigned to a name ending in
    key, token, secret, password, passwd, pwd, passphrase or credentials; and any such
    assignment whose literal is a URL with a password (`postgresql://app:pw@db/app`).

Why it matters:
    A literal secret is in every clone, every image layer and the git history forever;
    rotating it means a release. A settings default is worse than a constant: the app
    starts silently with the development secret when the environment lacks the variable,
    instead of failing at startup.

Example:
    class Settings(BaseSettings):
        jwt_secret: str = "dev-secret-change-me"
        database_url: str = "postgresql://app:app@localhost/app"

Use instead:
    class Settings(BaseSettings):
        jwt_secret: SecretStr            # required: startup fails when it is missing
        database_url: SecretStr

Fix safety:
    Unsafe, for settings fields only: removes the default, making the field required.
    The app then needs the variable in its environment (`.env` for development), which
    is the point. Constants get no automatic fix, and neither do fields whose name starts
    with `_`: pydantic makes those private attributes, which the environment never fills.

Known limits:
    Not reported: enum members, names of cookies, headers, context variables and keys
    (`SESSION_COOKIE_KEY`, `HEADER_KEY`, `REQUEST_ID_CTX_KEY`), and identifier values that
    spell their own secret word (`access_token = "polar_access_token"`). A line that
    ruff's S105 already reports is left to ruff. Other names that end in a secret word
    but hold something else (`PASSWORD_RESET_TOKEN = "reset"`) need `# noqa: BA301`.
    Tests are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.finding import Applicability, Edit, Fix
from backend_agent.audit.knowledge import ENUM_BASES, SETTINGS_BASES
from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules._secret_patterns import assignments, literal_default
from backend_agent.secret_text import credentials, is_secret_name, names_itself


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report secret literals assigned at module and class level."""
    if module.is_test:
        return
    for name, value, statement, owner in assignments(module):
        literal = literal_default(module, value)
        if literal is None or not isinstance(literal.value, str):
            continue
        if owner is not None and _derives(module, owner, ENUM_BASES):
            continue
        masked = credentials(literal.value)
        if masked is None and (not is_secret_name(name) or names_itself(name, literal.value)):
            continue
        settings = owner is not None and _derives(module, owner, SETTINGS_BASES)
        what = "a connection string with a password" if masked else "a secret literal"
        if settings and owner is not None:
            message = f"Settings field `{owner.name}.{name}` defaults to {what}"
            fix_title = "Remove the default so the value must come from the environment"
        else:
            message = f"`{name}` is {what} written in the code"
            fix_title = "Read it from settings (a `SecretStr` field filled from the environment)"
        fix = _remove_default(module, statement) if settings and not name.startswith("_") else None
        yield module.violation(literal, message, fix_title, fix)


def _derives(module: ParsedModule, owner: ast.ClassDef, bases: frozenset[str]) -> bool:
    for base in owner.bases:
        name = module.resolve(base)
        if name is not None and module.codebase.is_subclass(name, bases):
            return True
    return False


def _remove_default(module: ParsedModule, statement: ast.stmt) -> Fix | None:
    if not isinstance(statement, ast.AnnAssign) or statement.value is None:
        return None
    annotation, value = statement.annotation, statement.value
    if (
        annotation.end_lineno is None
        or annotation.end_col_offset is None
        or value.end_lineno is None
    ):
        return None
    start = (annotation.end_lineno, module.column(annotation.end_lineno, annotation.end_col_offset))
    end = (value.end_lineno, module.column(value.end_lineno, value.end_col_offset or 0))
    return Fix(Applicability.UNSAFE, (Edit(*start, *end, ""),))
