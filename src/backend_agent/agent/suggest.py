"""Without a model, point at the commands that do the job by hand.

Deliberately small: it suggests `add resource` only when the request names a resource
noun next to a word like "resource", "table" or "route"; anything else gets the list of
commands. A wrong suggestion would be worse than none.
"""

from __future__ import annotations

import re

from backend_agent.blueprint.names import check_resource_name

_KIND = r"(?:resources?|tables?|models?|entit(?:y|ies)|endpoints?|routes?|apis?|crud)"
_NOUN_THEN_KIND = re.compile(rf"\b([a-z]+)\s+{_KIND}\b", re.IGNORECASE)
_KIND_THEN_NOUN = re.compile(
    rf"\b{_KIND}\s+(?:for|of|to)\s+(?:(?:creating|managing|storing|listing)\s+)?([a-z]+)\b",
    re.IGNORECASE,
)
_NOT_NOUNS = frozenset(
    {
        "a",
        "an",
        "the",
        "new",
        "my",
        "our",
        "this",
        "that",
        "fastapi",
        "rest",
        "http",
        "crud",
        "api",
        "json",
        "postgres",
        "postgresql",
        "mongo",
        "mongodb",
        "sql",
        "database",
        "db",
        "simple",
        "basic",
        "sqlmodel",
        "pydantic",
        "some",
        "all",
        "every",
        "each",
    }
)
KNOWN_FIELDS = {
    "name": "name:str:min=1:max=100",
    "email": "email:email:unique",
    "title": "title:str:max=200",
    "description": "description:text:optional",
    "age": "age:int:min=0:max=150:optional",
    "price": "price:decimal:min=0",
    "status": "status:enum(active|inactive):default=active",
    "url": "url:url",
}
"""Field words a request may name, with the spec a person would most likely write."""

COMMANDS = (
    "backend-agent add resource NAME FIELD:TYPE..., then backend-agent verify "
    "(also: apply after editing backend.toml, undo)"
)


def resource_noun(request: str) -> str | None:
    """The resource a request names, as a PascalCase singular (e.g. "users" -> "User")."""
    for pattern in (_KIND_THEN_NOUN, _NOUN_THEN_KIND):
        for match in pattern.finditer(request):
            word = match.group(1).lower()
            if word in _NOT_NOUNS:
                continue
            name = _singular(word).capitalize()
            if check_resource_name(name) is None:
                return name
    return None


def suggest_commands(request: str) -> str:
    """One line: the explicit command for this request when it is clear, else the list."""
    name = resource_noun(request)
    if name is None:
        return f"without a model, use the commands: {COMMANDS}"
    words = {word.lower() for word in re.findall(r"[A-Za-z]+", request)}
    fields = [spec for word, spec in KNOWN_FIELDS.items() if word in words]
    shown = " ".join(fields) if fields else "FIELD:TYPE"
    return (
        f"without a model, run: backend-agent add resource {name} {shown} ...; "
        "then backend-agent verify"
    )


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
