"""The OpenAPI document, saying the rules that are enforced in JSON Schema's words.

Where a validator wraps a type (an integer that must be a JSON integer, a decimal that must
be a number), pydantic cannot place its constraints and leaves them under its own names
(`ge`, `max_length`, `max_digits`), and it writes decimal bounds and defaults as strings:
clients and fuzzers would not see the rules. They are written here as `minimum`, `maxLength`
and so on, with numbers, once, when the document is first built.
"""

from typing import Any

from fastapi import FastAPI

RENAMED = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "min_length": "minLength",
    "max_length": "maxLength",
    "multiple_of": "multipleOf",
}
DROPPED = ("max_digits", "decimal_places", "strict", "allow_inf_nan")
"""Said otherwise already (`multipleOf`, the bounds) or not JSON Schema at all."""
NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
NAMES = frozenset({"properties", "patternProperties", "$defs", "schemas"})
"""Mappings whose keys are names (a field may be called `ge`), not keywords."""


class App(FastAPI):
    """A FastAPI app whose OpenAPI document states its constraints in JSON Schema."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            _write_keywords(super().openapi())  # builds the document, which FastAPI keeps
        return super().openapi()


def _write_keywords(node: object, *, names: bool = False) -> None:
    if isinstance(node, list):
        for item in node:
            _write_keywords(item)
        return
    if not isinstance(node, dict):
        return
    if not names:
        for raw, keyword in RENAMED.items():
            if raw in node:
                node[keyword] = node.pop(raw)
        for raw in DROPPED:
            node.pop(raw, None)
        for keyword in NUMBERS:
            if isinstance(node.get(keyword), str):
                node[keyword] = float(node[keyword])
        if isinstance(node.get("default"), str) and _is_number(node):
            node["default"] = float(node["default"])
    for key, value in node.items():
        _write_keywords(value, names=key in NAMES)


def _is_number(schema: dict[str, Any]) -> bool:
    branches = [schema, *schema.get("anyOf", [])]
    return any(branch.get("type") == "number" for branch in branches)
