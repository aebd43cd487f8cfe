"""The query parameters a resource's list takes, named from its fields' `filter` and `sort`.

`?status=a&status=b` (one of these values), `?price_min=10&price_max=20` (inclusive bounds),
`?sort=-created_at,name` (`-` for descending; ties are broken by id), `?name_prefix=ab` and
`?name_contains=ab` (text, ignoring case), `?tags=3` (linked to one of these, for a `many`
field). Names a list already
uses, or two fields would share, are refused when the blueprint is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend_agent.blueprint.fields import EQUALITY, RANGE, FieldSpec
from backend_agent.errors import BlueprintError

if TYPE_CHECKING:
    from backend_agent.blueprint.model import Resource

PAGING = ("offset", "limit", "sort", "cursor")
"""Parameters every list takes."""


def filter_parameters(field: FieldSpec) -> list[tuple[str, str]]:
    """(parameter name, kind) for a field: kind is `equal`, `min`, `max`, `prefix` or
    `contains`."""
    found = []
    if field.filter and field.type in EQUALITY:
        found.append((field.column, "equal"))
    if field.filter and field.type in RANGE:
        found += [(f"{field.column}_min", "min"), (f"{field.column}_max", "max")]
    if field.search:
        found += [(f"{field.column}_prefix", "prefix"), (f"{field.column}_contains", "contains")]
    return found


def sort_keys(resource: Resource) -> list[str]:
    """What `?sort=` accepts: id, then the sortable fields' columns."""
    return ["id", *(field.column for field in resource.stored_fields if field.sort)]


def check_queries(resource: Resource) -> None:
    """Refuse two things a list would take by one name."""
    taken = {name: "the paging of every list" for name in PAGING}
    taken |= {field.column: f"the ref {field.name}" for field in resource.refs}
    for field in resource.links:
        if field.name in taken:
            raise BlueprintError(
                f"resource {resource.name!r}: many field {field.name!r} takes the query "
                f"parameter {field.name!r}, already used by {taken[field.name]}; rename it"
            )
        taken[field.name] = f"the many field {field.name}"
    for field in resource.stored_fields:
        for name, _ in filter_parameters(field):
            if name in taken:
                raise BlueprintError(
                    f"resource {resource.name!r}: {field.name!r} takes the query "
                    f"parameter {name!r}, already used by {taken[name]}; rename a field"
                )
            taken[name] = f"the field {field.name}"
