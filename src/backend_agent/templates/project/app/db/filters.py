"""Conditions list filters share, as SQLModel expressions whose values are bound."""

from collections.abc import Sequence
from typing import TypeVar

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
