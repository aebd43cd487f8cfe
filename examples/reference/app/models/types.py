"""Field types shared by the models: validated URLs, bounded JSON objects, timestamps."""

import json
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    HttpUrl,
    JsonValue,
    TypeAdapter,
    model_validator,
)
from sqlmodel import SQLModel

JSON_MAX_BYTES = 16_384
JSON_MAX_DEPTH = 8
JSON_MAX_INT = 2**63 - 1
"""MongoDB stores integers in 8 bytes; a larger number must be refused, not crash a write."""
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
"""The range of a PostgreSQL `integer` column: larger numbers are a 422, not a database error."""

ValueT = TypeVar("ValueT")

_http_url = TypeAdapter(HttpUrl)


def utc_now() -> datetime:
    """The current time, timezone-aware, to the millisecond (what both stores keep)."""
    return to_milliseconds(datetime.now(UTC))


def to_milliseconds(value: datetime) -> datetime:
    """MongoDB keeps times to the millisecond: finer input is cut at the edge, so what a
    client reads back is what it was told was stored."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def reject_null(value: ValueT | None) -> ValueT:
    """In updates, a field may be left out, but a required field may not be set to null."""
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def _check_url(value: str) -> str:
    return str(_http_url.validate_python(value))


def _depth(value: JsonValue) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _check_items(value: JsonValue) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$") or "." in key:
                raise ValueError(f"key {key!r} may not start with '$' or contain '.'")
            _check_items(item)
    elif isinstance(value, list):
        for item in value:
            _check_items(item)
    elif isinstance(value, int) and not -JSON_MAX_INT - 1 <= value <= JSON_MAX_INT:
        raise ValueError(f"integer {value} does not fit in 8 bytes")


def _check_json(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    if _depth(value) > JSON_MAX_DEPTH:
        raise ValueError(f"nested deeper than {JSON_MAX_DEPTH} levels")
    if len(json.dumps(value)) > JSON_MAX_BYTES:
        raise ValueError(f"larger than {JSON_MAX_BYTES} bytes")
    _check_items(value)
    return value


Id = Annotated[int, Ge(1), Le(INT_MAX)]
"""A row id (or a reference to one), in path, query or body."""

DocumentDatetime = Annotated[AwareDatetime, AfterValidator(to_milliseconds)]
"""A timezone-aware datetime of a MongoDB document, to the millisecond."""

HttpUrlStr = Annotated[str, AfterValidator(_check_url)]
"""An http(s) URL, validated, stored as text."""

JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_check_json)]
"""A free-form JSON object, bounded in size and depth, with keys safe for MongoDB too."""


def reject_nul_characters(data: object) -> object:
    """PostgreSQL text cannot hold U+0000 and MongoDB keys may not: refuse it in any input
    string (keys included) with a 422, rather than fail in the database with a 500."""
    if isinstance(data, str) and "\x00" in data:
        raise ValueError("text may not contain the NUL character (\\u0000)")
    if isinstance(data, dict):
        for key, value in data.items():
            reject_nul_characters(key)
            reject_nul_characters(value)
    elif isinstance(data, list):
        for item in data:
            reject_nul_characters(item)
    return data


class TableInput(SQLModel):
    """Base of the schemas clients write into PostgreSQL tables."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: object) -> object:
        return reject_nul_characters(data)


class DocumentInput(BaseModel):
    """Base of the schemas clients write into MongoDB documents."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: object) -> object:
        return reject_nul_characters(data)
