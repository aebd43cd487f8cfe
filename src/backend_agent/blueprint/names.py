"""Naming rules shared by resources and fields: what is a valid name, and the derived names."""

import keyword
import re

SNAKE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PASCAL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")

# Names the generated code already uses for itself: a field or resource with one of
# these names would shadow or clash with it.
RESERVED_FIELD_NAMES = frozenset(
    {"id", "metadata", "registry", "model_config", "model_fields", "self", "cls", "session"}
)
RESERVED_RESOURCE_NAMES = frozenset(
    {"Page", "Health", "Settings", "SQLModel", "Field", "Base", "Agent", "Session", "Conversation"}
)


def snake_case(name: str) -> str:
    """`OrderItem` -> `order_item`."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()


def pascal_case(name: str) -> str:
    """`order_item` -> `OrderItem`."""
    return "".join(part.capitalize() for part in name.split("_"))


def plural(word: str) -> str:
    """English plural of a snake_case word, good enough for URL paths and module names."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


MAX_NAME_LENGTH = 40


def check_snake_name(name: str, *, kind: str, reserved: frozenset[str], example: str) -> str | None:
    """Return why `name` cannot name a `kind` (a field, an agent), or None when it can."""
    if len(name) > MAX_NAME_LENGTH:
        return f"{kind} name {name!r} is longer than {MAX_NAME_LENGTH} characters: shorten it"
    if not SNAKE_NAME.match(name):
        suggestion = snake_case(re.sub(r"\W", "_", name)).strip("_") or example
        return f"{kind} name {name!r} must be snake_case (letters, digits, _), e.g. {suggestion!r}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{kind} name {name!r} is a Python keyword: pick another, e.g. {name + '_value'!r}"
    if name in reserved:
        return f"{kind} name {name!r} is reserved by the generated code: pick another"
    return None


def check_field_name(name: str) -> str | None:
    """Return why `name` cannot be a field name, or None when it can."""
    if name.startswith("model_"):  # Pydantic's namespace on every model
        return f"field name {name!r} is reserved by the generated code: pick another"
    return check_snake_name(name, kind="field", reserved=RESERVED_FIELD_NAMES, example="my_field")


def check_resource_name(name: str) -> str | None:
    """Return why `name` cannot be a resource name, or None when it can."""
    if len(name) > MAX_NAME_LENGTH:
        return f"resource name {name!r} is longer than {MAX_NAME_LENGTH} characters: shorten it"
    if not PASCAL_NAME.match(name):
        suggestion = pascal_case(snake_case(re.sub(r"\W", "_", name))) or "Item"
        return f"resource name {name!r} must be PascalCase, e.g. {suggestion!r}"
    if name in RESERVED_RESOURCE_NAMES:
        return f"resource name {name!r} is reserved by the generated code: pick another"
    return None
