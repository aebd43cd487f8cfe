"""Values the generated tests send: a valid one per field (unique per call) and an invalid one.

Each is a Python expression over `n`, a number the test factory draws once per payload,
so unique fields stay unique and every value respects the field's bounds.
"""

from __future__ import annotations

from decimal import Decimal

from backend_agent.blueprint import FieldSpec, FieldType
from backend_agent.blueprint.fields import COLUMN_RANGE

_FIXED = {
    FieldType.BOOL: "True",
    FieldType.DATE: '"2024-01-31"',
    FieldType.DATETIME: '"2024-01-31T12:30:00Z"',
    FieldType.JSON: '{"source": "test", "n": n}',
}


def valid_expression(field: FieldSpec) -> str:
    """A JSON-ready expression valid for `field`, different for each `n` where that matters."""
    match field.type:
        case FieldType.STR | FieldType.TEXT:
            return _string_expression(field)
        case FieldType.INT | FieldType.FLOAT | FieldType.DECIMAL:
            return _number_expression(field)
        case FieldType.EMAIL:
            return 'f"user{n}@example.com"'
        case FieldType.URL:
            return 'f"https://example.com/items/{n}"'
        case FieldType.UUID:
            return 'f"00000000-0000-4000-8000-{n:012d}"'
        case FieldType.ENUM:
            return repr(field.default if isinstance(field.default, str) else field.choices[0])
        case FieldType.DATE | FieldType.DATETIME if field.unique:
            # A different year for each n keeps unique values apart.
            return f'f"{{1000 + n % 8000:04d}}{_FIXED[field.type][5:-1]}"'
        case FieldType.LIST_STR:
            count = max(1, int(field.min or 0))
            if field.max is not None:
                count = min(count, int(field.max))
            return repr([f"tag{i}" for i in range(count)])
        case _:
            return _FIXED[field.type]


def _string_expression(field: FieldSpec) -> str:
    low = int(field.min or 0)
    high = field.max_length or 10_000
    if high < 8:
        # Short fields: digits of n, padded to the minimum and cut to the maximum.
        return f"str(n).zfill({max(low, 1)})[-{high}:]"
    prefix = field.name[: max(1, min(high - 7, 20))]
    padding = max(0, low - len(prefix) - 7)
    return f'f"{prefix}-{{n:06d}}"' + (f' + "x" * {padding}' if padding else "")


def _number_expression(field: FieldSpec) -> str:
    low = _lowest(field)
    if field.type is FieldType.DECIMAL:
        # A JSON number with two decimal places, as the column stores them.
        low = low.quantize(Decimal("0.01"))
        if field.unique:
            return f"round({float(low)!r} + n % {_span(field, low)}, 2)"
        return repr(float(low))
    if field.unique:
        return f"{_literal(field, low)} + n % {_span(field, low)}"
    return _literal(field, low)


_SPREAD = 1_000_000
"""How many distinct values unique numbers cycle through when the field has no upper bound."""


def _lowest(field: FieldSpec) -> Decimal:
    """Where samples start: the minimum; with only a maximum, far enough below it for
    unique values to spread (or the maximum itself); else 1."""
    if field.min is not None:
        return field.min
    if field.max is None:
        return Decimal(1)
    if field.unique:
        return max(field.max - _SPREAD, COLUMN_RANGE[field.type][0])
    return min(field.max, Decimal(1))


def _span(field: FieldSpec, low: Decimal) -> int:
    """How many steps of 1 from `low` stay within the field (a float never quite reaches
    its maximum: `-6.156 + 9` is 2.8440000000000003)."""
    steps = int((field.max - low) if field.max is not None else _SPREAD)
    return steps if field.type is FieldType.FLOAT else steps + 1


def _literal(field: FieldSpec, value: Decimal) -> str:
    if field.type is FieldType.INT:
        return str(int(value))
    return repr(float(value))


def invalid_example(field: FieldSpec) -> str | None:
    """A JSON value the API must refuse with 422 for `field`, or None when none is obvious."""
    match field.type:
        case FieldType.EMAIL:
            return '"not-an-email"'
        case FieldType.URL:
            return '"not a url"'
        case FieldType.ENUM:
            return '"not_a_choice"'
        case FieldType.UUID:
            return '"not-a-uuid"'
        case FieldType.STR | FieldType.TEXT if field.max_length:
            return f'"x" * {field.max_length + 1}'
        case FieldType.INT | FieldType.FLOAT | FieldType.DECIMAL if field.min is not None:
            return _literal(field, field.min - 1)
        case FieldType.INT | FieldType.FLOAT | FieldType.DECIMAL if field.max is not None:
            return _literal(field, field.max + 1)
        case FieldType.INT | FieldType.BOOL:
            return '"not a number"' if field.type is FieldType.INT else '"maybe"'
        case FieldType.DATETIME:
            return '"2024-01-31T12:30:00"'
    return None


_EXAMPLES: dict[FieldType, object] = {
    FieldType.EMAIL: "ada@example.com",
    FieldType.URL: "https://example.com/ada",
    FieldType.BOOL: True,
    FieldType.DATE: "2024-01-31",
    FieldType.DATETIME: "2024-01-31T12:30:00Z",
    FieldType.UUID: "00000000-0000-4000-8000-000000000001",
    FieldType.JSON: {"note": "example"},
    FieldType.REF: 1,
}


def example_value(field: FieldSpec) -> object:
    """A plain JSON value valid for `field`, for documentation (the README's curl session)."""
    match field.type:
        case FieldType.STR | FieldType.TEXT:
            text = "Ada Lovelace".ljust(int(field.min or 0), "x")
            return text[: field.max_length] if field.max_length else text
        case FieldType.INT:
            return int(_lowest(field))
        case FieldType.FLOAT | FieldType.DECIMAL:
            return float(_lowest(field))
        case FieldType.ENUM:
            return field.default if isinstance(field.default, str) else field.choices[0]
        case FieldType.LIST_STR:
            return ["example"] * max(1, int(field.min or 0))
    return _EXAMPLES[field.type]
