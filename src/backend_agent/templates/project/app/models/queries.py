"""What list queries take: value types for query strings, and the `sort` parameter.

Query strings are text, so these types parse what the body types take strictly (`"5"` is an
int here) and keep the bounds the columns have: a value no column could hold is a 422, not
a database error.
"""

import re
from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import AllowInfNan, BeforeValidator, Field, WithJsonSchema

from app.models.types import INT_MAX, INT_MIN

QueryInt = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
QueryFloat = Annotated[float, AllowInfNan(False)]
DECIMAL_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"
"""What NUMERIC(12, 2) holds, written out: up to ten digits, two after the point."""


def _decimal_text(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(DECIMAL_PATTERN, value):
        raise ValueError("write a number with at most ten digits and two decimal places")
    return value


QueryDecimal = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN}),
]
MAX_VALUES = 100
"""The most values one filter takes (`?status=a&status=b...`)."""
SORT_CACHE = 128
"""Distinct `sort` values whose parsed form is kept."""

SortKey = tuple[str, bool]
"""A key to order by, and whether descending."""


def sort_pattern(keys: list[str]) -> str:
    """The regular expression `?sort=` must match: keys from `keys`, comma-separated, each
    with an optional `-` for descending (the OpenAPI document shows it)."""
    key = f"-?({'|'.join(re.escape(name) for name in keys)})"
    return f"^{key}(,{key})*$"


@lru_cache(maxsize=SORT_CACHE)
def sort_keys(value: str) -> tuple[SortKey, ...]:
    """`-created_at,name` as ((created_at, descending), (name, ascending), (id, ascending)):
    a key given twice counts once, and id breaks ties so pages never overlap."""
    found: dict[str, bool] = {}
    for part in value.split(","):
        name = part.removeprefix("-")
        found.setdefault(name, part.startswith("-"))
    found.setdefault("id", False)
    return tuple(found.items())
