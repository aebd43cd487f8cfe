"""Field specs: the Rails-style `name:type[:modifier...]` syntax and its typed form.

`email:email:unique`, `bio:text:optional`, `age:int:min=0:max=150`,
`status:enum(active|banned):default=active`, `owner:ref(User)`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from backend_agent.blueprint.names import SNAKE_NAME, check_field_name
from backend_agent.errors import BlueprintError
from backend_agent.secret_text import credentials, is_secret_name, names_itself


class FieldType(StrEnum):
    """The types a field can have; each maps to a Python type and a column type."""

    STR = "str"
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    UUID = "uuid"
    EMAIL = "email"
    URL = "url"
    ENUM = "enum"
    JSON = "json"
    LIST_STR = "list[str]"
    REF = "ref"
    MANY = "many"


SPELLINGS = (
    "str, text, int, float, decimal, bool, date, datetime, uuid, email, url, "
    "enum(a|b), json, list[str], ref(Resource), many(Resource)"
)
NUMERIC = frozenset({FieldType.INT, FieldType.FLOAT, FieldType.DECIMAL})
# Types whose min/max bound a length (or, for lists, an item count).
SIZED = frozenset({FieldType.STR, FieldType.TEXT, FieldType.LIST_STR, FieldType.JSON})
NOT_INDEXABLE = frozenset({FieldType.JSON, FieldType.LIST_STR, FieldType.TEXT})
FEW_VALUES = frozenset({FieldType.BOOL, FieldType.ENUM})
"""Types with a handful of values: unique on them would cap the table at a row per value."""
EQUALITY = frozenset(
    {
        FieldType.STR,
        FieldType.EMAIL,
        FieldType.URL,
        FieldType.ENUM,
        FieldType.UUID,
        FieldType.INT,
        FieldType.DECIMAL,
        FieldType.DATE,
        FieldType.BOOL,
    }
)
"""Types a `filter` compares for equality (`?status=a&status=b`: one of these values)."""
RANGE = frozenset(
    {FieldType.INT, FieldType.FLOAT, FieldType.DECIMAL, FieldType.DATE, FieldType.DATETIME}
)
"""Types a `filter` also bounds (`?price_min=10&price_max=20`, both inclusive)."""
SORTABLE = EQUALITY | RANGE | {FieldType.REF}
TEXTUAL = frozenset({FieldType.STR, FieldType.TEXT, FieldType.EMAIL, FieldType.URL})
"""Types whose values are free text (a default of theirs is written as a string literal)."""
SEARCHABLE = TEXTUAL
GROUPABLE = frozenset({FieldType.ENUM, FieldType.BOOL, FieldType.STR, FieldType.INT, FieldType.REF})
"""Types `group` counts rows by (`GET /things/stats?group_by=status`): values that repeat."""
DEFAULT_STR_LENGTH = 255
DECIMAL_DIGITS = 12
DECIMAL_PLACES = 2
"""Decimals are stored as NUMERIC(12, 2): bounds and defaults must fit that column."""
DEFAULT_CHOICE_LENGTH = 32


class FieldSpec(BaseModel):
    """One field of a resource, as validated from its spec string."""

    model_config = ConfigDict(frozen=True)

    name: str
    """snake_case attribute name; for a `ref` the relation name (the column is `<name>_id`)."""
    type: FieldType
    optional: bool = False
    """Absent values are allowed (stored as NULL / missing)."""
    unique: bool = False
    index: bool = False
    filter: bool = False
    """Lists take this field as a query parameter: equal to one of some values, or within a
    range (blueprint/queries.py says which, by type)."""
    sort: bool = False
    """Lists may be ordered by this field (`?sort=-name`)."""
    search: bool = False
    """Lists find text in this field, ignoring case: at its start or anywhere."""
    counter: bool = False
    """An int the server keeps, from 0: only `POST /things/{id}/<name>` adds to it, at once."""
    group: bool = False
    """`GET /things/stats?group_by=<name>` counts the rows of each value."""
    min: Decimal | None = None
    """Lower bound: a length for str/text/json, an item count for list[str], a value for numbers."""
    max: Decimal | None = None
    default: str | int | float | bool | None = None
    """Default for new rows, already converted to the field's Python type (`now` for datetimes)."""
    choices: tuple[str, ...] = ()
    """The values of an `enum` field."""
    ref: str | None = None
    """The resource a `ref` or `many` field points at."""
    ids: bool = False
    """For a `many` field: Read answers carry the linked ids (`tags: [3, 5]`)."""

    @property
    def column(self) -> str:
        """The stored attribute name: `<name>_id` for a ref, the name otherwise."""
        return f"{self.name}_id" if self.type is FieldType.REF else self.name

    @property
    def max_length(self) -> int | None:
        """The length limit of a str/text field (str always has one, as VARCHAR needs it)."""
        if self.type is FieldType.STR:
            return int(self.max) if self.max is not None else DEFAULT_STR_LENGTH
        if self.type is FieldType.EMAIL or self.type is FieldType.URL:
            return DEFAULT_STR_LENGTH
        if self.type is FieldType.ENUM:
            return max(DEFAULT_CHOICE_LENGTH, *(len(choice) for choice in self.choices))
        if self.type is FieldType.TEXT and self.max is not None:
            return int(self.max)
        return None

    def to_spec(self) -> str:
        """The canonical spec string, as written into backend.toml."""
        parts = [self.name, _type_spelling(self)]
        parts += [flag for flag in FLAGS if getattr(self, flag)]
        parts += ["ids"] if self.ids else []
        parts += [
            f"{bound}={_number(value)}"
            for bound in ("min", "max")
            if (value := getattr(self, bound)) is not None
        ]
        if self.default is not None and not self.counter:
            parts.append(f"default={_default_spelling(self.default)}")
        return ":".join(parts)


def _type_spelling(field: FieldSpec) -> str:
    if field.type is FieldType.ENUM:
        return f"enum({'|'.join(field.choices)})"
    if field.type in (FieldType.REF, FieldType.MANY):
        return f"{field.type}({field.ref})"
    return field.type.value


def _number(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral() else str(value)


def _default_spelling(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


FLAGS = ("optional", "unique", "index", "filter", "sort", "search", "counter", "group")
"""Modifiers that take no value, in the order specs are written."""
_MODIFIER = re.compile(rf"^({'|'.join(FLAGS)}|(min|max|default)=.*)$")
_TYPE_WITH_ARGUMENT = re.compile(r"^(?P<kind>enum|ref|many)\((?P<argument>[^()]*)\)$")


def parse_field(spec: str) -> FieldSpec:
    """Parse one `name:type[:modifier...]` spec, or raise BlueprintError naming what to fix."""
    name, _, rest = spec.strip().partition(":")
    if not rest:
        raise BlueprintError(
            f"field {spec!r} has no type: write name:type, e.g. {name or 'title'}:str"
        )
    if problem := check_field_name(name):
        raise BlueprintError(problem)
    type_token, _, modifiers = rest.partition(":")
    values: dict[str, object] = {"name": name, **_parse_type(name, type_token)}
    field_type: FieldType = values["type"]  # type: ignore[assignment]
    tokens = modifiers.split(":") if modifiers else []
    while tokens:
        token = tokens.pop(0)
        key, has_value, value = token.partition("=")
        while key == "default" and tokens and not _MODIFIER.match(tokens[0]):
            # A default may itself contain ':' (a URL, a time): it takes the pieces after it
            # up to the next modifier.
            value = f"{value}:{tokens.pop(0)}"
        if key == "ids" and not has_value and field_type is FieldType.MANY:
            values["ids"] = True
            continue
        if field_type is FieldType.MANY:
            raise BlueprintError(
                f"field {name!r}: many({values['ref']}) takes no modifier but :ids (not :{key}): "
                "its links are never required, unique or bounded, and lists always filter by "
                "them; drop it"
            )
        if key == "ids":
            raise BlueprintError(
                f"field {name!r}: ids applies to many(...) fields only (the linked ids in answers)"
            )
        _apply_modifier(values, field_type, key, value if has_value else None, spec)
    if field_type is FieldType.REF and name.endswith("_id"):
        relation = name.removesuffix("_id")
        raise BlueprintError(
            f"ref field {name!r}: name the relation, not the column: write "
            f"{relation}:{type_token} (the column is named {name})"
        )
    if values.get("counter"):
        _start_counter(values)
    field = FieldSpec.model_validate(values)
    _check_bounds(field)
    return field


def _start_counter(values: dict[str, object]) -> None:
    """A counter starts at 0 and only the server adds to it: no bounds, no default, never
    empty, never unique."""
    name = values["name"]
    for key in ("optional", "unique", "min", "max", "default"):
        if values.get(key) not in (None, False):
            raise BlueprintError(
                f"field {name!r}: a counter starts at 0 and only grows; drop {key}"
            )
    values["default"] = 0


def _parse_type(name: str, token: str) -> dict[str, object]:
    if match := _TYPE_WITH_ARGUMENT.match(token):
        kind, argument = match["kind"], match["argument"].strip()
        if kind == "enum":
            choices = tuple(choice.strip() for choice in argument.split("|") if choice.strip())
            if not choices:
                raise BlueprintError(
                    f"field {name!r}: enum needs values, e.g. {name}:enum(active|banned)"
                )
            for choice in choices:
                if not SNAKE_NAME.match(choice):
                    raise BlueprintError(
                        f"field {name!r}: enum value {choice!r} must be lower snake_case"
                    )
            if len(set(choices)) != len(choices):
                raise BlueprintError(f"field {name!r}: enum values repeat in {token!r}")
            return {"type": FieldType.ENUM, "choices": choices}
        if not re.match(r"^[A-Z][A-Za-z0-9]*$", argument):
            raise BlueprintError(
                f"field {name!r}: {kind} needs a resource name, e.g. {name}:{kind}(User)"
            )
        return {"type": FieldType(kind), "ref": argument}
    examples = {
        "enum": f"{name}:enum(active|banned)",
        "ref": f"{name}:ref(User)",
        "many": f"{name}:many(Tag)",
    }
    if token in examples:
        raise BlueprintError(f"field {name!r}: {token} needs an argument, e.g. {examples[token]}")
    try:
        field_type = FieldType(token)
    except ValueError:
        raise BlueprintError(
            f"field {name!r}: unknown type {token!r}; use one of: {SPELLINGS}"
        ) from None
    if field_type in (FieldType.ENUM, FieldType.REF, FieldType.MANY):
        raise BlueprintError(f"field {name!r}: {token} needs an argument")
    return {"type": field_type}


def _apply_modifier(
    values: dict[str, object], field_type: FieldType, key: str, value: str | None, spec: str
) -> None:
    name = values["name"]
    if key in FLAGS:
        if value is not None:
            raise BlueprintError(f"field {name!r}: modifier {key!r} takes no value, write :{key}")
        if problem := query_problem(str(name), field_type, key):
            raise BlueprintError(problem)
        if key == "counter" and field_type is not FieldType.INT:
            raise BlueprintError(
                f"field {name!r}: counter applies to int fields, e.g. views:int:counter"
            )
        if key == "group" and field_type not in GROUPABLE:
            raise BlueprintError(
                f"field {name!r}: group counts repeated values; use it on enum, bool, str, int "
                "or ref fields"
            )
        if key in ("unique", "index") and field_type in NOT_INDEXABLE:
            raise BlueprintError(f"field {name!r}: {key} is not supported on {field_type} fields")
        if key == "unique" and field_type in FEW_VALUES:
            raise BlueprintError(
                f"field {name!r}: unique would allow only one row per {field_type} value; "
                "use index to find rows by it, or a str field if values must not repeat"
            )
        values[key] = True
        return
    if key in ("min", "max"):
        if field_type not in NUMERIC | SIZED:
            raise BlueprintError(f"field {name!r}: {key} does not apply to {field_type} fields")
        try:
            number = Decimal(value or "")
        except InvalidOperation:
            raise BlueprintError(
                f"field {name!r}: {key} needs a number, e.g. {name}:{field_type}:{key}=10"
            ) from None
        if field_type not in (FieldType.FLOAT, FieldType.DECIMAL) and number != int(number):
            raise BlueprintError(f"field {name!r}: {key} must be a whole number")
        values[key] = number
        return
    if key == "default":
        values["default"] = parse_default(str(name), field_type, value or "", values)
        if field_type in TEXTUAL:
            _check_not_secret(str(name), value or "")
        return
    raise BlueprintError(
        f"field spec {spec!r}: unknown modifier {key!r}; modifiers: "
        "optional, unique, index, filter, sort, search, counter, group, min=N, max=N, "
        "default=VALUE"
    )


def query_problem(name: str, field_type: FieldType, flag: str) -> str | None:
    """Why `flag` (filter, sort, search) cannot be set on a field of `field_type`, or None."""
    if flag == "filter" and field_type is FieldType.REF:
        return f"field {name!r}: lists already filter by a ref's id; drop filter"
    if flag == "filter" and field_type not in EQUALITY | RANGE:
        return f"field {name!r}: filter is not supported on {field_type} fields"
    if flag == "sort" and field_type not in SORTABLE:
        return f"field {name!r}: sort is not supported on {field_type} fields"
    if flag == "search" and field_type not in SEARCHABLE:
        return f"field {name!r}: search finds text; use filter on {field_type} fields"
    return None


def parse_default(
    name: str, field_type: FieldType, value: str, values: dict[str, object]
) -> str | int | float | bool:
    try:
        match field_type:
            case FieldType.STR | FieldType.TEXT | FieldType.EMAIL | FieldType.URL:
                return value
            case FieldType.INT:
                return int(value)
            case FieldType.FLOAT:
                return float(value)
            case FieldType.DECIMAL:
                return str(Decimal(value))
            case FieldType.BOOL if value.lower() in ("true", "false"):
                return value.lower() == "true"
            case FieldType.ENUM if value in values["choices"]:  # type: ignore[operator]
                return value
            case FieldType.DATETIME if value == "now":
                return value
    except (ValueError, InvalidOperation):
        pass
    hints = {
        FieldType.BOOL: "true or false",
        FieldType.ENUM: "one of " + "|".join(values.get("choices", ())),  # type: ignore[arg-type]
        FieldType.DATETIME: "now",
    }
    hint = hints.get(field_type, f"a {field_type} value")
    if field_type in (
        FieldType.DATE,
        FieldType.UUID,
        FieldType.JSON,
        FieldType.LIST_STR,
        FieldType.REF,
    ):
        raise BlueprintError(f"field {name!r}: {field_type} fields take no default; drop it")
    raise BlueprintError(f"field {name!r}: default {value!r} is not {hint}")


def _check_not_secret(name: str, default: str) -> None:
    """Refuse a text default the project's own auditor would report as a secret in the code
    (BA301): a literal for a field named like a key, token or password, or a URL with a
    password in it."""
    if not default:
        return
    if credentials(default) is not None:
        raise BlueprintError(f"field {name!r}: the default holds a password in a URL; drop it")
    if is_secret_name(name) and not names_itself(name, default):
        raise BlueprintError(
            f"field {name!r}: a default for a field named like a secret is a secret written "
            "in the code; drop the default or rename the field"
        )


def parse_backfill(field: FieldSpec, value: str) -> object:
    """The value rows stored before `field` existed get (`--backfill name=VALUE`): what a
    default takes, plus dates, UUIDs, ids and JSON for lists and objects, which have no
    default but need a value on a table that has rows."""
    try:
        match field.type:
            case FieldType.DATE:
                return date.fromisoformat(value)
            case FieldType.DATETIME if value != "now":
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError(value)
                return moment
            case FieldType.UUID:
                return UUID(value)
            case FieldType.REF:
                number = int(value)
                if number < 1:
                    raise ValueError(number)
                return number
            case FieldType.LIST_STR:
                items = json.loads(value)
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    raise ValueError(items)
                _check_size(field, len(items))
                return items
            case FieldType.JSON:
                data = json.loads(value)
                if not isinstance(data, dict):
                    raise ValueError(data)
                return data
    except ValueError:
        examples = {
            FieldType.DATE: "2024-01-31",
            FieldType.DATETIME: "2024-01-31T12:30:00Z (with its time zone) or now",
            FieldType.UUID: "00000000-0000-4000-8000-000000000000",
            FieldType.REF: "an existing id, e.g. 1",
            FieldType.LIST_STR: '["a", "b"] (JSON)',
            FieldType.JSON: '{"key": "value"} (JSON)',
        }
        raise BlueprintError(
            f"field {field.name!r}: --backfill {value!r} is not a {field.type} value; "
            f"write e.g. {examples[field.type]}"
        ) from None
    parsed = parse_default(field.name, field.type, value, {"choices": field.choices})
    _check_backfill_bounds(field, parsed)
    return parsed


def _check_backfill_bounds(field: FieldSpec, value: str | int | float | bool) -> None:
    """A backfill must be a value the API itself would accept."""
    if isinstance(value, bool):
        return
    if isinstance(value, str) and field.type in (FieldType.STR, FieldType.TEXT):
        size = Decimal(len(value))
        low = field.min
        high = None if field.max_length is None else Decimal(field.max_length)
    elif field.type in NUMERIC:
        size, low, high = Decimal(str(value)), field.min, field.max
    else:
        return
    if (low is not None and size < low) or (high is not None and size > high):
        raise BlueprintError(
            f"field {field.name!r}: --backfill {value!r} is outside the field's bounds"
        )


def _check_size(field: FieldSpec, size: int) -> None:
    if (field.min is not None and size < field.min) or (field.max is not None and size > field.max):
        raise ValueError(size)


UNIQUE_RANGE = 10
COLUMN_RANGE = {
    FieldType.INT: (Decimal(-(2**31)), Decimal(2**31 - 1)),
    FieldType.FLOAT: (-(Decimal(10) ** 15), Decimal(10) ** 15),
    FieldType.DECIMAL: (-(Decimal(10) ** 10) + 1, Decimal(10) ** 10 - 1),
}
"""What each numeric column holds (for floats, the span samples use), where a field gives
no bound."""
"""The narrowest range a unique number may have: a few rows must fit in it."""


def _check_bounds(field: FieldSpec) -> None:
    if field.type is FieldType.DECIMAL:
        _check_decimal_fits(field)
    if field.unique and field.type in NUMERIC:
        floor, ceiling = COLUMN_RANGE[field.type]
        low = field.min if field.min is not None else floor
        high = field.max if field.max is not None else ceiling
        if high - low < UNIQUE_RANGE:
            raise BlueprintError(
                f"field {field.name!r}: unique over {low}..{high} leaves too few values; "
                f"widen the range to at least {UNIQUE_RANGE} or drop unique"
            )
    if field.type is FieldType.INT and any(
        bound is not None
        and not COLUMN_RANGE[FieldType.INT][0] <= bound <= COLUMN_RANGE[FieldType.INT][1]
        for bound in (field.min, field.max)
    ):
        raise BlueprintError(
            f"field {field.name!r}: int holds -2147483648..2147483647; "
            "use decimal for larger numbers"
        )
    if field.min is not None and field.max is not None and field.min > field.max:
        raise BlueprintError(
            f"field {field.name!r}: min={field.min} is greater than max={field.max}"
        )
    if field.type in SIZED and field.min is not None and field.min < 0:
        raise BlueprintError(f"field {field.name!r}: a length cannot be negative (min={field.min})")
    if isinstance(field.default, int | float) and not isinstance(field.default, bool):
        value = Decimal(str(field.default))
        if (field.min is not None and value < field.min) or (
            field.max is not None and value > field.max
        ):
            raise BlueprintError(
                f"field {field.name!r}: default {field.default} is outside min/max"
            )
    if isinstance(field.default, str) and len(field.default) > (field.max_length or 1 << 30):
        raise BlueprintError(f"field {field.name!r}: default is longer than max")


def _check_decimal_fits(field: FieldSpec) -> None:
    """A bound or default the column cannot hold would make every value fail (or none)."""
    limit = Decimal(10) ** (DECIMAL_DIGITS - DECIMAL_PLACES)
    values = {"min": field.min, "max": field.max}
    if field.default is not None:
        values["default"] = Decimal(str(field.default))
    for label, value in values.items():
        if value is None:
            continue
        if abs(value) >= limit:
            raise BlueprintError(
                f"field {field.name!r}: {label}={value} does not fit a decimal field "
                f"(less than {limit:,} either way); use float"
            )
        if value != value.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)):
            raise BlueprintError(
                f"field {field.name!r}: {label}={value} has more than {DECIMAL_PLACES} decimal "
                f"places, which decimal fields keep; round it, or use float"
            )
