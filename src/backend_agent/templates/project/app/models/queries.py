"""What list queries take: value types for query strings, and the `sort` parameter.

Query strings are text, so these types read each value in the one spelling the OpenAPI
type has (`5` for an integer, not `5.0` or ` 5`; `true`, not `yes`; ISO dates, not
timestamps) and keep the bounds the columns have: a value no column could hold is a 422,
not a database error.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Generic

from pydantic import AllowInfNan, BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic import WithJsonSchema

from app.models.pagination import ItemT, Page

from datetime import date
from uuid import UUID

from app.models.types import INT_MAX, INT_MIN, StoredDatetime


def _spelled(pattern: str, kind: str) -> BeforeValidator:
    """A check that a query value is written as `pattern` says (what the OpenAPI type means)."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(f"write {kind}")
        return value

    return BeforeValidator(check)


QueryInt = Annotated[
    int, _spelled(r"-?[0-9]{1,10}", "a whole number"), Field(ge=INT_MIN, le=INT_MAX)
]
QueryFloat = Annotated[
    float,
    _spelled(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", "a number"),
    AllowInfNan(False),
]
QueryBool = Annotated[bool, _spelled("true|false", "true or false")]
QueryDate = Annotated[date, _spelled(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date, e.g. 2024-01-31")]
QueryDatetime = Annotated[
    StoredDatetime,
    _spelled(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt].+", "a time with its zone, e.g. 2024-01-31T12:00:00Z"),
]
QueryUuid = Annotated[
    UUID,
    _spelled(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", "a UUID"),
]
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
SHAPE_CACHE = 256
"""Distinct list statements (which filters, which sort) kept built."""
CURSOR_MAX_LENGTH = 2048
DOCUMENT_ID_PATTERN = "^[0-9a-f]{24}$"

DocumentId = Annotated[str, Field(pattern=DOCUMENT_ID_PATTERN)]
"""A MongoDB ObjectId as its hex, in a cursor."""

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


class KeysetPage(Page[ItemT], Generic[ItemT]):
    """A page that also says where the next one starts: pass `next_cursor` as `cursor` (it is
    None after the last page). Unlike a growing offset, a cursor costs the same on every
    page and skips or repeats nothing when rows are added or removed meanwhile."""

    next_cursor: str | None


def encode_cursor(sort: str, values: Sequence[object]) -> str:
    """An opaque cursor: the sort it pages through and the last item's values of its keys."""
    text = json.dumps([sort, list(values)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_values(
    cursor: str, sort: str, types: Mapping[str, TypeAdapter[Any]]
) -> tuple[object, ...]:
    """The values a cursor holds, typed like the keys of `sort` (`types`: the keys a cursor
    may page by); raises ValueError for a cursor this API did not hand out for `sort`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        given_sort, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("not a cursor this API handed out") from None
    keys = [name for name, _ in sort_keys(sort)]
    if given_sort != sort or not isinstance(values, list) or len(values) != len(keys):
        raise ValueError("this cursor pages through another sort; send the same sort")
    if any(name not in types for name in keys):
        raise ValueError("a cursor pages only by keys that are never empty; use offset")
    try:
        return tuple(types[name].validate_python(value) for name, value in zip(keys, values, strict=True))
    except ValidationError:
        raise ValueError("not a cursor this API handed out") from None


def next_cursor(
    items: Sequence[BaseModel], sort: str, limit: int, types: Mapping[str, TypeAdapter[Any]]
) -> str | None:
    """The cursor of the page after a full one, None after the last page (or for a sort
    with keys that may be empty)."""
    keys = [name for name, _ in sort_keys(sort)]
    if len(items) < limit or not items or any(name not in types for name in keys):
        return None
    last = items[-1].model_dump(mode="json", include=set(keys))
    return encode_cursor(sort, [last[name] for name in keys])
