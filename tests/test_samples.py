"""The values generated tests send: valid for their field, and unique where the field is."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from backend_agent.blueprint import FieldSpec, FieldType, parse_field
from backend_agent.plan.samples import valid_expression
from tests.strategies import FIELD_NAMES, PLAIN_TYPES, field_spec

ROWS_PER_TEST = 10
"""More rows of one resource than any generated test creates."""


def within_bounds(field: FieldSpec, value: object) -> bool:
    if field.type in (FieldType.INT, FieldType.FLOAT, FieldType.DECIMAL):
        number = Decimal(str(value))
        return (field.min is None or number >= field.min) and (
            field.max is None or number <= field.max
        )
    if field.type in (FieldType.STR, FieldType.TEXT, FieldType.LIST_STR):
        size = len(value)  # type: ignore[arg-type]
        limit = field.max_length if field.type is not FieldType.LIST_STR else field.max
        return (field.min is None or size >= field.min) and (limit is None or size <= limit)
    return True


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(PLAIN_TYPES).flatmap(
        lambda kind: st.sampled_from(FIELD_NAMES).flatmap(lambda name: field_spec(name, kind))
    ),
    st.integers(1, 10_000),
)
@example("score:float:min=-6.156:max=3.844:unique", 1)  # a float never quite reaches max
@example("extra:int:unique:max=-3160", 1)  # only a maximum, below the usual start of 1
def test_samples_are_valid_and_unique_where_needed(spec: str, start: int) -> None:
    field = parse_field(spec)
    expression = valid_expression(field)
    values = [eval(expression, {"n": n}) for n in range(start, start + ROWS_PER_TEST)]  # noqa: S307
    assert all(within_bounds(field, value) for value in values), (spec, values)
    if field.unique:
        assert len({str(value) for value in values}) == len(values), (spec, values)
