"""What a secret looks like in text: names of keys, tokens and passwords; URLs with a password.

The auditor judges code with it (BA301, BA302, BA303) and the blueprint refuses defaults that
the auditor would report, so a generated project never fails its own check.
"""

from __future__ import annotations

import re

SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credentials",
        "credential",
    }
)
_CREDENTIALS = re.compile(
    r"\b[a-z][a-z0-9+.\-]*://(?P<user>[^\s:/@]*):(?P<password>[^\s/@]+)@", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"^(\$\{.*\}|\{.*\}|<.*>|%\(.*\)s|%s|\*+|\.\.\.)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


_NAMING_WORDS = frozenset(
    {
        "cookie",
        "header",
        "ctx",
        "context",
        "metadata",
        "env",
        "param",
        "params",
        "field",
        "claim",
        "attr",
        "attribute",
        "column",
        "prefix",
        "cache",
        "storage",
        "func",
        "class",
        "pk",
        "id",
        "tag",
        "feature",
        "dict",
        "map",
        "name",
        "type",
        "kind",
        "query",
        "form",
        "state",
        "lookup",
        "var",
    }
)
"""Words that make `*_KEY`/`*_TOKEN` the name of something (a cookie, a header, a dict key)."""
_KEY_KINDS = frozenset(
    {"api", "secret", "private", "encryption", "signing", "access", "master", "app", "auth"}
)
"""Words before `KEY` that make it a cryptographic or API key; otherwise `X_KEY = "x_y"` is
the name of a dictionary key."""
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_.:]*$")


def is_secret_name(name: str) -> bool:
    """Whether a name ends in a secret word: `jwt_secret`, `OPENAI_API_KEY`, `dbPassword`.

    `SESSION_COOKIE_KEY`, `REQUEST_ID_CTX_KEY` and `HEADER_KEY` name a cookie, a context
    variable and a header: they hold names, not secrets.
    """
    words = _CAMEL.sub("_", name).lower().strip("_").split("_")
    return words[-1] in SECRET_WORDS and not _NAMING_WORDS & set(words[:-1])


def names_itself(name: str, value: str) -> bool:
    """Whether a value is an identifier that spells the secret word it is named after.

    `access_token = "polar_access_token"`, `PK_TOKEN = "token"`, `KEY = "setup.api_key"`:
    keys, field names and enum values, not secrets.
    """
    words = _CAMEL.sub("_", name).lower().strip("_").split("_")
    if not _IDENTIFIER.match(value) or "-" in value:
        return False
    if words[-1] == "key" and (len(words) < 2 or words[-2] not in _KEY_KINDS):
        return True
    return value == words[-1] or "_".join(words[-2:]) in value


def mentions_credentials(text: str) -> bool:
    """Cheap pre-check of a whole file: some URL in it carries a literal password."""
    return any(
        not _PLACEHOLDER.match(match.group("password")) for match in _CREDENTIALS.finditer(text)
    )


def credentials(text: str) -> str | None:
    """The URL with its password masked, when `text` holds a URL with a literal password."""
    match = _CREDENTIALS.search(text)
    if match is None or _PLACEHOLDER.match(match.group("password")):
        return None
    return text[: match.start("password")] + "***" + text[match.end("password") :]
