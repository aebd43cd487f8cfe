"""Moves of enum fields between their values, as backend.toml's transitions allow them.

A move is checked where it is written: the UPDATE matches the row only while it holds a
value the move may start from, so two concurrent moves cannot both pass one check.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from app.core.errors import ConflictError

State = TypeVar("State", bound=StrEnum)


def sources(moves: Mapping[State, tuple[State, ...]], target: State) -> list[State]:
    """The values a field may hold to move to `target`: those with a declared move to it,
    and `target` itself (staying is no move)."""
    return [state for state, targets in moves.items() if state == target or target in targets]


def refusal(
    moves: Mapping[State, tuple[State, ...]], *, field: str, thing: str, current: State, target: State
) -> ConflictError:
    """409 naming the current value and where it may go instead."""
    allowed = ", ".join(moves[current]) or "nowhere"
    return ConflictError(
        f"{field}: {thing} is {current}, which may move to {allowed}; not to {target}",
        field=field,
    )
