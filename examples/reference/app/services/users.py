"""Business logic of users.

The caller's unit of work commits what these functions change. With `owner`,
a function sees only the rows of that account: another account's row is not found.
"""

import logging

from pymongo.errors import ConnectionFailure
from sqlalchemy import delete, insert, update
from sqlmodel import col, select

from app.core.errors import NotFoundError, UnavailableError
from app.db.mongo import MongoDatabase
from app.db.session import Session
from app.models.idempotency import IdempotencyKey
from app.models.user import User, UserCreate, UserRead, UserUpdate
from app.services import idempotency, preferences

logger = logging.getLogger(__name__)

SCOPE = "users"
"""Where this resource's idempotency keys live."""


async def create_user(
    session: Session, data: UserCreate, key: IdempotencyKey | None = None
) -> User:
    """Store a user; with `key`, a retry gets the first answer, not a second row."""
    if key is not None and (answer := await idempotency.replay(session, key, SCOPE, data)):
        return User.model_validate(answer)
    values = data.model_dump()
    user = await session.one(insert(User).returning(User), values, last=key is None)
    if key is not None:
        await idempotency.remember(session, key, SCOPE, data, UserRead.model_validate(user))
    return user


async def get_user(session: Session, user_id: int, *, owner: int | None = None) -> User:
    statement = select(User).where(col(User.id) == user_id)
    if owner is not None:
        statement = statement.where(col(User.id) == owner)
    user = await session.first(statement)
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
    statement = select(User)
    if owner is not None:
        statement = statement.where(col(User.id) == owner)
    statement = statement.order_by(col(User.id)).offset(offset).limit(limit)
    return await session.all(statement, into=UserRead)


async def update_user(
    session: Session, user_id: int, data: UserUpdate, *, owner: int | None = None
) -> User:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_user(session, user_id, owner=owner)
    statement = update(User).where(col(User.id) == user_id)
    if owner is not None:
        statement = statement.where(col(User.id) == owner)
    user = await session.first(statement.values(changes).returning(User), last=True)
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
    statement = delete(User).where(col(User.id) == user_id)
    if owner is not None:
        statement = statement.where(col(User.id) == owner)
    if await session.execute(statement, last=last) == 0:
        raise NotFoundError(f"User {user_id} not found")
