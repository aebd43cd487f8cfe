"""MongoDB: the async client with its pool and timeouts, and the indexes each collection needs."""

import logging
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from app.core.config import Settings
from app.core.errors import ConflictError
from app.models import preference

logger = logging.getLogger(__name__)

INDEX_CHANGED = {85, 86}
"""IndexOptionsConflict, IndexKeySpecsConflict: an index of that name exists with other options."""

MongoDatabase = AsyncDatabase[dict[str, Any]]
"""The database handle services take; documents are plain dicts."""

INDEXES: dict[str, list[IndexModel]] = {
    preference.COLLECTION: preference.INDEXES,
}
"""Indexes per collection, created at start-up (creating an existing index is a no-op)."""


def create_client(settings: Settings) -> AsyncMongoClient[dict[str, Any]]:
    """A client whose timeouts come from settings, so an absent server fails requests fast."""
    timeout = settings.mongodb_timeout_ms
    return AsyncMongoClient(
        settings.mongodb_url.get_secret_value(),
        maxPoolSize=settings.mongodb_pool_size,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=timeout * 3,
        tz_aware=True,
        uuidRepresentation="standard",
    )


async def ensure_indexes(database: AsyncDatabase[dict[str, Any]]) -> None:
    """Create the declared indexes and drop ours (uq_/ix_) that the models no longer declare,
    so a field that stopped being unique stops refusing duplicates."""
    for collection, indexes in INDEXES.items():
        declared = {index.document["name"] for index in indexes}
        existing = [index["name"] async for index in await database[collection].list_indexes()]
        for name in existing:
            if name.startswith(("uq_", "ix_")) and name not in declared:
                await database[collection].drop_index(name)
                logger.info("dropped index %s of %s", name, collection)
        for index in indexes:
            await _create_index(database, collection, index)
        logger.info("indexes of %s are in place", collection)


async def _create_index(database: MongoDatabase, collection: str, index: IndexModel) -> None:
    """Create `index`; one of ours whose options changed is dropped and created again."""
    try:
        await database[collection].create_indexes([index])
    except OperationFailure as error:
        if error.code not in INDEX_CHANGED:
            raise
        await database[collection].drop_index(index.document["name"])
        await database[collection].create_indexes([index])
        logger.info("index %s of %s changed: re-created", index.document["name"], collection)


def conflict_from(error: DuplicateKeyError) -> ConflictError:
    """Name the field whose unique index refused the write."""
    pattern = (error.details or {}).get("keyPattern") or {}
    field = next(iter(pattern), "value")
    return ConflictError(f"{field}: this value is already taken", field=field)
