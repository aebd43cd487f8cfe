"""What a resource does besides create, read, list, update and delete.

Transitions move an enum field between its values: `transitions = { status =
["draft->published", "published->archived"] }` in a `[resources.Name]` table, or
`--transition status:draft->published` on the command line. New rows start in the field's
default; PATCH and `POST /things/{id}/status/{state}` change it only along a declared move.
Counters (`views:int:counter`) and counts per value (`status:enum(...):group`) are field
modifiers (blueprint/fields.py); their rules across a resource are checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from backend_agent.blueprint.fields import FieldType
from backend_agent.errors import BlueprintError

if TYPE_CHECKING:
    from backend_agent.blueprint.model import Resource

ARROW = "->"


class Transition(BaseModel):
    """One allowed move of an enum field: from `source` to `target`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    source: str
    target: str

    @property
    def spelling(self) -> str:
        """`draft->published`, as backend.toml writes it."""
        return f"{self.source}{ARROW}{self.target}"


def parse_transitions(value: object) -> object:
    """`{status = ["draft->published"]}` as Transition items; other shapes go on to
    validation, which names what is wrong."""
    if not isinstance(value, dict):
        return value
    found: list[object] = []
    for field, moves in value.items():
        if not isinstance(moves, list | tuple) or not moves:
            raise BlueprintError(
                f'transitions.{field}: write a list of moves, e.g. {field} = ["draft->published"]'
            )
        found += [parse_move(str(field), move) for move in moves]
    return found


def parse_move(field: str, move: object) -> Transition:
    """One `source->target` move of `field`."""
    source, arrow, target = str(move).partition(ARROW)
    if not isinstance(move, str) or not arrow or not source.strip() or not target.strip():
        raise BlueprintError(
            f"transitions.{field}: {move!r} is not a move; write source->target, e.g. "
            "draft->published"
        )
    return Transition(field=field, source=source.strip(), target=target.strip())


def parse_transition_option(text: str) -> Transition:
    """`--transition status:draft->published`."""
    field, colon, move = text.partition(":")
    if not colon or not field.strip():
        raise BlueprintError(
            f"--transition {text!r}: write field:source->target, e.g. status:draft->published"
        )
    return parse_move(field.strip(), move)


def transitions_table(transitions: tuple[Transition, ...]) -> dict[str, list[str]]:
    """The moves by field, as backend.toml writes them."""
    table: dict[str, list[str]] = {}
    for transition in transitions:
        table.setdefault(transition.field, []).append(transition.spelling)
    return table


def check_actions(resource: Resource) -> None:
    """Refuse moves of fields that are not there, not enums, or between values they lack,
    and state fields with no state to start in."""
    seen: set[Transition] = set()
    for transition in resource.transitions:
        where = f"resource {resource.name!r}: transition {transition.field}:{transition.spelling}"
        field = resource.field(transition.field)
        if field is None:
            known = ", ".join(f.name for f in resource.fields if f.type is FieldType.ENUM)
            raise BlueprintError(
                f"{where} names no field of it (its enum fields: {known or 'none'})"
            )
        if field.type is not FieldType.ENUM:
            raise BlueprintError(
                f"{where}: transitions move enum fields; {field.name} is {field.type}"
            )
        for state in (transition.source, transition.target):
            if state not in field.choices:
                raise BlueprintError(
                    f"{where}: {state!r} is not a value of {field.name} ({'|'.join(field.choices)})"
                )
        if transition.source == transition.target:
            raise BlueprintError(f"{where} goes nowhere; staying in a state is always allowed")
        if transition in seen:
            raise BlueprintError(f"{where} is listed twice")
        seen.add(transition)
        if field.optional or field.default is None:
            spelling = f"{field.name}:{field.type}({'|'.join(field.choices)})"
            raise BlueprintError(
                f"resource {resource.name!r}: {field.name} has transitions, so new rows start in "
                f"its default and it is never empty: write {spelling}"
                f":default={field.default or field.choices[0]} without optional"
            )
