"""Access rules shared by the routes and the agents' tools: whose rows an owner-level
operation may touch, and who is an administrator. Raises domain errors."""

from app.core.errors import ForbiddenError
from app.models.auth import Caller


def owner_scope(caller: Caller) -> int | None:
    """The account whose rows the caller may touch: its own (None for an administrator,
    who may touch every row)."""
    return None if caller.is_admin else caller.id


def require_admin(caller: Caller) -> Caller:
    if not caller.is_admin:
        raise ForbiddenError("only administrators may do this")
    return caller
