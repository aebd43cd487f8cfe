"""Conditions list filters share, as SQLModel expressions whose values are bound."""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")


def one_of(column: Mapped[T], values: Sequence[T]) -> ColumnElement[bool]:
    """`column = $1` for one value (one statement shape for every value), `IN (...)` for
    several."""
    if len(values) == 1:
        return column == values[0]
    condition: ColumnElement[bool] = column.in_(values)
    return condition

