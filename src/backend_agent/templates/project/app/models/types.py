"""Field types shared by the models: what a client may send is exactly what the databases
can store and read back, and the OpenAPI schema says so (text without NUL, times that exist
in UTC, emails in lower case, bounded JSON objects with safe keys, finite numbers)."""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from uuid import UUID

from annotated_types import Ge, Le
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import (
    AfterValidator,
    AllowInfNan,
    AwareDatetime,
    BeforeValidator,
    Discriminator,
    EmailStr,
    Field,
    HttpUrl,
    JsonValue,
    PlainSerializer,
    Strict,
    Tag,
    TypeAdapter,
)
from typing_extensions import TypeAliasType

JSON_MAX_BYTES = 16_384
JSON_MAX_DEPTH = 8
JSON_MAX_INT = 9 * 10**18
JSON_MIN_INT = -JSON_MAX_INT
"""MongoDB stores integers in 8 bytes; a larger number must be refused, not crash a write.
(A round bound within 8 bytes: the OpenAPI schema states bounds as floats, this one exactly.)"""
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
"""The range of a PostgreSQL `integer` column: larger numbers are a 422, not a database error."""
DECIMAL_LIMIT = Decimal("9999999999.99")
DECIMAL_STEP = Decimal("0.01")
"""Decimals are NUMERIC(12, 2): up to ten digits before the point, two after."""
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"
TEXT_PATTERN = r"^[^\x00]*$"
EDGE_DAY_PATTERN = r"^(?!(?:9999-12-31|0001-01-01)[Tt ].*[+-](?!00:?00$))"
"""Datetimes on the first and last day a datetime can have must be in UTC."""
"""What the OpenAPI schema says of text: no NUL (lone surrogates it cannot say)."""
UNSAFE_KEY_PATTERN = r"^\$|[.\x00]"
"""JSON keys this matches are refused: MongoDB reads `$...` as operators and `a.b` as paths."""



def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


EMAIL_PATTERN = f"^(?!.*[@.](?:{'|'.join(map(_any_case, SPECIAL_USE_DOMAIN_NAMES))})$)"
"""Addresses at special-use domains (.test, .local, ...) are refused: the schema says so."""

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


def _not_null(schema: dict[str, Any]) -> None:
    """The OpenAPI schema of a `Patch` field: its type without null, and no default."""
    schema.pop("default", None)
    variants = [variant for variant in schema.pop("anyOf", []) if variant.get("type") != "null"]
    schema.update(variants[0] if len(variants) == 1 else {"anyOf": variants})


def _not_a_number(value: object) -> object:
    """Dates, times and UUIDs travel as strings: a JSON number is not read as a timestamp."""
    if isinstance(value, int | float):
        raise ValueError("send a string, e.g. 2024-01-31T12:30:00Z or a UUID")
    return value


def _json_integer(value: object) -> object:
    """Integers travel as JSON integers (2.0 is one): not as strings, nor as booleans."""
    if isinstance(value, str | bool):
        raise ValueError("send a JSON integer")
    return value


def check_text(value: str) -> str:
    """PostgreSQL text holds neither U+0000 nor lone surrogates, and MongoDB keys no U+0000:
    refuse them here, with a 422 naming the field, rather than fail in the database."""
    if "\x00" in value:
        raise ValueError("text may not contain the NUL character (\\u0000)")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text may not contain lone surrogates (\\ud800-\\udfff)") from None
    return value


def check_key(value: str) -> str:
    check_text(value)
    if value.startswith("$") or "." in value:
        raise ValueError(f"key {value!r} may not start with '$' or contain '.'")
    return value


def check_moment(value: datetime) -> datetime:
    """A time must still be a time once converted to UTC, where it is stored: on the first
    and the last day a datetime can have, only UTC is accepted (the schema says so too)."""
    if value.date() in (date.min, date.max) and value.utcoffset():
        raise ValueError("on 0001-01-01 and 9999-12-31, give the time in UTC (Z)")
    return value


def _check_url(value: str) -> str:
    """An http(s) URL, kept as sent (not normalised), so it reads back unchanged."""
    _http_url.validate_python(value)
    return value


def _number_only(value: object) -> object:
    """Decimals travel as JSON numbers, in and out (the OpenAPI schema says so)."""
    if isinstance(value, str):
        raise ValueError("send a JSON number, not a string")
    return value


def _decimal_schema(schema: dict[str, Any]) -> None:
    """A number, within the column, in steps of 0.01 (NUMERIC(12, 2))."""
    number = next(branch for branch in schema.pop("anyOf") if branch.get("type") == "number")
    number.setdefault("minimum", -float(DECIMAL_LIMIT))
    number.setdefault("maximum", float(DECIMAL_LIMIT))
    schema.update(number, multipleOf=float(DECIMAL_STEP))


def _depth(value: JsonValue) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _check_json(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """The limits no JSON schema can state: nesting and size."""
    if _depth(value) > JSON_MAX_DEPTH:
        raise ValueError(f"nested deeper than {JSON_MAX_DEPTH} levels")
    if len(json.dumps(value)) > JSON_MAX_BYTES:
        raise ValueError(f"larger than {JSON_MAX_BYTES} bytes")
    return value


JSON_KINDS: tuple[tuple[type, str], ...] = (
    (dict, "object"),
    (list, "array"),
    (str, "string"),
    (bool, "boolean"),  # before int: True is an int too
    (int, "integer"),
    (float, "number"),
)


def _json_kind(value: object) -> str:
    """Which JSON type `value` is: exactly one member of `StoredJson` validates it, so an
    integer too large for 8 bytes is refused, not turned into a float."""
    return next((name for kind, name in JSON_KINDS if isinstance(value, kind)), "null")


def _any_of(schema: dict[str, Any]) -> None:
    """An integer is also a JSON number: the members may overlap (`anyOf`, not `oneOf`)."""
    schema["anyOf"] = schema.pop("oneOf")


Id = Annotated[int, Ge(1), Le(INT_MAX)]
"""A row id in a path or a query."""

Integer = Annotated[int, BeforeValidator(_json_integer)]
"""An integer a client sends, as a JSON integer."""

RefId = Annotated[Integer, Ge(1), Le(INT_MAX)]
"""A reference to a row, in a body: a JSON integer."""

Text = Annotated[str, AfterValidator(check_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""Text a client sends: anything both databases can store."""

JsonKey = Annotated[
    str,
    AfterValidator(check_key),
    Field(min_length=1, json_schema_extra={"not": {"pattern": UNSAFE_KEY_PATTERN}}),
]
"""A key of a JSON object: not empty, no NUL, no leading '$', no '.'."""

if TYPE_CHECKING:
    StoredJson = JsonValue
else:
    StoredJson = TypeAliasType(
        "StoredJson",
        Annotated[
            Annotated[dict[JsonKey, "StoredJson"], Tag("object")]
            | Annotated[list["StoredJson"], Tag("array")]
            | Annotated[Text, Tag("string")]
            | Annotated[bool, Tag("boolean")]
            | Annotated[int, Ge(JSON_MIN_INT), Le(JSON_MAX_INT), Tag("integer")]
            | Annotated[
                float,
                AllowInfNan(False),
                Field(json_schema_extra={"not": {"type": "integer"}}),
                Tag("number"),
            ]
            | Annotated[None, Tag("null")],
            Discriminator(_json_kind),
            Field(json_schema_extra=_any_of),
        ],
    )
"""A JSON value as both databases store it, described exactly in the OpenAPI schema."""

JsonObject = Annotated[dict[JsonKey, StoredJson], AfterValidator(_check_json)]
"""A free-form JSON object, bounded in size and depth, with keys safe for MongoDB too."""

FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]
"""A JSON number a JSON answer can carry back: no NaN, no infinities."""

StoredDate = Annotated[date, BeforeValidator(_not_a_number)]
"""A date, as an ISO 8601 string."""

StoredUuid = Annotated[UUID, BeforeValidator(_not_a_number)]
"""A UUID, as a string."""

StoredDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_not_a_number),
    AfterValidator(check_moment),
    Field(json_schema_extra={"pattern": EDGE_DAY_PATTERN}),
]
"""A timezone-aware datetime that PostgreSQL can store, as an ISO 8601 string."""

DocumentDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_not_a_number),
    AfterValidator(check_moment),
    AfterValidator(to_milliseconds),
    Field(json_schema_extra={"pattern": EDGE_DAY_PATTERN}),
]
"""A timezone-aware datetime of a MongoDB document, to the millisecond."""

Email = Annotated[
    EmailStr, AfterValidator(str.lower), Field(json_schema_extra={"pattern": EMAIL_PATTERN})
]
"""An email address, kept in lower case: uniqueness ignores case (Ann@x.org is ann@x.org)."""

Patch = Annotated[ValueT | None, AfterValidator(reject_null), Field(json_schema_extra=_not_null)]
"""A field of an update: it may be left out (keeping its value), never set to null."""

HttpUrlStr = Annotated[
    str, AfterValidator(_check_url), Field(json_schema_extra={"format": "uri", "pattern": URL_PATTERN})
]
"""An http(s) URL, validated, stored as text."""

DecimalInput = Annotated[
    Decimal, BeforeValidator(_number_only), Field(json_schema_extra=_decimal_schema)
]
"""A decimal a client sends: a JSON number with at most two decimal places."""

DecimalOutput = Annotated[Decimal, PlainSerializer(float, return_type=float)]
"""A stored decimal, answered as a JSON number (twelve digits fit a float exactly)."""
