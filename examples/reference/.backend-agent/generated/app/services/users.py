"""Business logic of users.

The caller's unit of work commits what these functions change. With `owner`,
a function sees only the rows of that account: another account's row is not found.
"""

import logging
from functools import cache

from pymongo.errors import ConnectionFailure
from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.core.errors import NotFoundError, UnavailableError
from app.db.mongo import MongoDatabase
from app.db.session import Session
from app.models.idempotency import IdempotencyKey
from app.models.user import User, UserCreate, UserRead, UserUpdate
from app.services import idempotency, preferences

logger = logging.getLogger(__name__)

SCOPE = "users"
"""Where this resource's idempotency keys live."""

# Statements are built once and take their values when they run: building one costs
# SQLAlchemy more than running it from its compiled cache.
_INSERT = insert(User).returning(User)
_ONE = select(User).where(col(User.id) == bindparam("_id"))
_UPDATE = update(User).where(col(User.id) == bindparam("_id")).returning(User)
_DELETE = delete(User).where(col(User.id) == bindparam("_id"))
_MINE = col(User.id) == bindparam("_owner")
"""What limits a statement to the rows of one account."""
_ONE_MINE = _ONE.where(_MINE)
_UPDATE_MINE = _UPDATE.where(_MINE)
_DELETE_MINE = _DELETE.where(_MINE)

_CONDITIONS: dict[str, ColumnElement[bool]] = {
    "_owner": _MINE,
}
"""Each condition a list may have, by the name of the value it binds."""


def _key(user_id: int, owner: int | None) -> dict[str, object]:
    """The values that find one user: its id, and with `owner` its account's."""
    return {"_id": user_id} if owner is None else {"_id": user_id, "_owner": owner}


async def create_user(
    session: Session, data: UserCreate, key: IdempotencyKey | None = None
) -> UserRead:
    """Store a user; with `key`, a retry gets the first answer, not a second row."""
    if key is not None and (answer := await idempotency.replay(session, key, SCOPE, data)):
        return UserRead.model_validate(answer)
    values = data.model_dump()
    user = await session.one(_INSERT, values, last=key is None, into=UserRead)
    if key is not None:
        await idempotency.remember(session, key, SCOPE, data, user)
    return user


async def get_user(session: Session, user_id: int, *, owner: int | None = None) -> UserRead:
    statement = _ONE if owner is None else _ONE_MINE
    user = await session.first(statement, _key(user_id, owner), into=UserRead)
    if user is None:
        raise NotFoundError(f"User {user_id} not found")
    return user


async def list_users(
    session: Session,
    *,
    offset: int,
    limit: int,
    owner: int | None = None,
) -> list[UserRead]:
    """A page of users."""
    values: dict[str, object] = {"_offset": offset, "_limit": limit}
    if owner is not None:
        values["_owner"] = owner
    users = await session.all(_page(tuple(values)), values, into=UserRead)
    return users


@cache
def _page(given: tuple[str, ...]) -> SelectOfScalar[User]:
    """The statement of a page with these values given, built once per combination."""
    conditions = [_CONDITIONS[name] for name in given if name in _CONDITIONS]
    statement = select(User).where(*conditions)
    return statement.order_by(col(User.id)).offset(bindparam("_offset")).limit(bindparam("_limit"))


async def update_user(
    session: Session, user_id: int, data: UserUpdate, *, owner: int | None = None
) -> UserRead:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_user(session, user_id, owner=owner)
    statement = _UPDATE if owner is None else _UPDATE_MINE
    user = await session.first(statement, changes | _key(user_id, owner), last=True, into=UserRead)
    if user is None:
        raise NotFoundError(f"User {user_id} not found")
    return user


async def delete_user(
    session: Session, database: MongoDatabase, user_id: int, *, owner: int | None = None
) -> None:
    """Delete a user and the MongoDB documents that belong to it.

    Order of operations:
    1. delete the row, so PostgreSQL's own checks pass or fail first (nothing is committed
       yet);
    2. delete the dependent documents (preferences);
    3. the request's unit of work commits the row deletion.

    If MongoDB cannot be reached in step 2, the row deletion is rolled back and the client
    gets 503; some documents may be gone already (no MongoDB transaction: a standalone server
    has none). If the commit in step 3 fails, the documents are gone but the row is still
    there. Either way no document is left without its row, and repeating the delete
    finishes the job, since every step is idempotent.
    """
    await _delete_row(session, user_id, owner)
    try:
        await preferences.delete_by_user(database, user_id)
    except ConnectionFailure as error:
        logger.error(
            "MongoDB unreachable while deleting the documents of User %s; "
            "the deletion is rolled back, retry it",
            user_id,
        )
        raise UnavailableError(
            "MongoDB is unavailable; the user was not deleted "
            "(some of its documents may have been): retry later"
        ) from error


async def _delete_row(
    session: Session, user_id: int, owner: int | None, *, last: bool = False
) -> None:
    statement = _DELETE if owner is None else _DELETE_MINE
    if await session.execute(statement, _key(user_id, owner), last=last) == 0:
        raise NotFoundError(f"User {user_id} not found")
