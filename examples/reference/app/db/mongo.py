"""MongoDB: the async client with its pool and timeouts, how values are stored, and the
indexes each collection needs.

Values keep their BSON types, so sorting, ranges and indexes work on them: datetimes are
BSON dates (to the millisecond), dates are BSON dates at midnight UTC, decimals are
Decimal128, UUIDs are binary subtype 4, enums are their string values.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bson.codec_options import TypeCodec, TypeEncoder, TypeRegistry
from bson.decimal128 import Decimal128
from pydantic import BaseModel
from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

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


class DecimalCodec(TypeCodec):
    """Decimals are stored as Decimal128 and read back as Decimal."""

    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


class DateEncoder(TypeEncoder):
    """Dates are stored as BSON dates at midnight UTC (BSON has no date-only type)."""

    python_type = date

    def transform_python(self, value: date) -> datetime:
        return datetime(value.year, value.month, value.day, tzinfo=UTC)


def to_document(data: BaseModel, **server_set: object) -> dict[str, Any]:
    """The document stored for validated input (plus values the server sets)."""
    return {**data.model_dump(), **server_set}


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
        type_registry=TypeRegistry([DecimalCodec(), DateEncoder()]),
    )


@dataclass
class IndexState:
    """Whether the declared indexes are in place. Until they are, requests that need MongoDB
    are answered 503: a missing unique index would let duplicates in."""

    built: bool = False
    problem: str = "indexes not built yet"


FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0


async def build_indexes(database: MongoDatabase, state: IndexState) -> None:
    """Build the indexes, retrying with backoff while MongoDB is unreachable (or refuses one),
    so the app can start, and report itself not ready, before MongoDB is back."""
    delay = FIRST_RETRY_SECONDS
    while True:
        try:
            await ensure_indexes(database)
        except PyMongoError as error:
            state.problem = f"indexes not built: {type(error).__name__}"
            logger.warning("MongoDB indexes not built (%s); retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)
        else:
            state.built, state.problem = True, ""
            return


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
