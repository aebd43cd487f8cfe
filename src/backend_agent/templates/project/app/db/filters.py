"""Conditions list filters share, as SQLModel expressions whose values are bound."""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")

LIKE_ESCAPE = "\\"


def one_of(column: Mapped[T], values: Sequence[T]) -> ColumnElement[bool]:
    """`column = $1` for one value (one statement shape for every value), `IN (...)` for
    several."""
    if len(values) == 1:
        return column == values[0]
    condition: ColumnElement[bool] = column.in_(values)
    return condition


def escape_like(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally: its wildcards (`%`, `_`) and the
    escape character itself are escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column: Mapped[str | None], text: str) -> ColumnElement[bool]:
    """Values that start with `text`, ignoring case (a trigram index serves it)."""
    return column.ilike(f"{escape_like(text)}%", escape=LIKE_ESCAPE)


def contains(column: Mapped[str | None], text: str) -> ColumnElement[bool]:
    """Values that contain `text`, ignoring case (a trigram index serves it)."""
    return column.ilike(f"%{escape_like(text)}%", escape=LIKE_ESCAPE)


def after(keys: Sequence[tuple[Mapped[Any], bool]], values: Sequence[object]) -> ColumnElement[bool]:
    """Rows after the one whose sort keys have `values`, in the order of `keys` (column,
    descending): keyset pagination, which reads no skipped rows (keys are never NULL)."""
    (column, descending), value = keys[-1], values[-1]
    condition: ColumnElement[bool] = column < value if descending else column > value
    for (column, descending), value in zip(keys[-2::-1], values[-2::-1], strict=True):
        beyond = column < value if descending else column > value
        condition = or_(beyond, and_(column == value, condition))
    return condition
