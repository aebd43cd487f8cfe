"""Conditions list queries share, as SQLModel expressions whose values are bound."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern that matches it literally: its wildcards (`%`, `_`) and the
    escape character itself are escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def one_or_any(name: str, items: Sequence[object]) -> dict[str, object]:
    """The values a list filter binds: one item is compared with `=` (the common, cheapest
    shape), several with `IN`, bound as `_any_<name>`."""
    return {name: items[0]} if len(items) == 1 else {f"_any_{name}": items}


def after(keys: Sequence[tuple[Mapped[Any], bool]], values: Sequence[object]) -> ColumnElement[bool]:
    """Rows after the one whose sort keys have `values`, in the order of `keys` (column,
    descending): keyset pagination, which reads no skipped rows (keys are never NULL).

    The first key's bound is also stated on its own (`created_at <= x AND (...)`): the
    index of that column applies it, where it would read the OR as a filter on every row
    from the index's start (half a million rows for a page in the middle of a million)."""
    (column, descending), value = keys[-1], values[-1]
    condition: ColumnElement[bool] = column < value if descending else column > value
    for (column, descending), value in zip(keys[-2::-1], values[-2::-1], strict=True):
        beyond = column < value if descending else column > value
        condition = or_(beyond, and_(column == value, condition))
    if len(keys) == 1:
        return condition
    (column, descending), value = keys[0], values[0]
    return and_(column <= value if descending else column >= value, condition)
