"""Business logic of preferences: MongoDB documents.

Raises domain errors; knows nothing of HTTP. With `owner`, a function sees only
the documents of that account: another account's document is not found.
"""

from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from app.core.errors import NotFoundError
from app.db.mongo import MongoDatabase, conflict_from, to_document
from app.models.idempotency import IdempotencyKey
from app.models.preference import COLLECTION, PreferenceCreate, PreferenceRead, PreferenceUpdate
from app.services import idempotency


def _object_id(preference_id: str) -> ObjectId:
    """A malformed id names no document: 404, like an unknown one."""
    if not ObjectId.is_valid(preference_id):
        raise NotFoundError(f"Preference {preference_id} not found")
    return ObjectId(preference_id)


def _read(document: dict[str, Any]) -> PreferenceRead:
    return PreferenceRead.model_validate({**document, "id": str(document["_id"])})


def _mine(query: dict[str, Any], owner: int | None) -> dict[str, Any]:
    """`query`, narrowed to the documents of `owner` when one is given."""
    return query if owner is None else {**query, "user_id": owner}


async def create_preference(
    database: MongoDatabase,
    data: PreferenceCreate,
    key: IdempotencyKey | None = None,
    *,
    owner: int,
) -> PreferenceRead:
    """Store a preference; with `key`, a retry gets the first document, not a second
    one (the key is written with the document, so both or neither are stored)."""
    collection = database[COLLECTION]
    if key is not None and (twin := await idempotency.replay_document(collection, key, data)):
        return _read(twin)
    document = to_document(data, user_id=owner)
    if key is not None:
        document[idempotency.DOCUMENT_FIELD] = idempotency.stamp(key, data)
    try:
        await collection.insert_one(document)
    except DuplicateKeyError as error:
        if key is not None and (twin := await idempotency.replay_document(collection, key, data)):
            return _read(twin)  # a twin request with the same key stored it first
        raise conflict_from(error) from error
    return _read(document)


async def get_preference(
    database: MongoDatabase, preference_id: str, *, owner: int | None = None
) -> PreferenceRead:
    query = _mine({"_id": _object_id(preference_id)}, owner)
    document = await database[COLLECTION].find_one(query)
    if document is None:
        raise NotFoundError(f"Preference {preference_id} not found")
    return _read(document)


async def list_preferences(
    database: MongoDatabase,
    *,
    offset: int,
    limit: int,
    owner: int | None = None,
) -> list[PreferenceRead]:
    query: dict[str, Any] = {}
    query = _mine(query, owner)
    cursor = database[COLLECTION].find(query).sort("_id", 1).skip(offset).limit(limit)
    return [_read(document) async for document in cursor]


async def update_preference(
    database: MongoDatabase,
    preference_id: str,
    data: PreferenceUpdate,
    *,
    owner: int | None = None,
) -> PreferenceRead:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_preference(database, preference_id, owner=owner)
    try:
        document = await database[COLLECTION].find_one_and_update(
            _mine({"_id": _object_id(preference_id)}, owner),
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError as error:
        raise conflict_from(error) from error
    if document is None:
        raise NotFoundError(f"Preference {preference_id} not found")
    return _read(document)


async def delete_preference(
    database: MongoDatabase, preference_id: str, *, owner: int | None = None
) -> None:
    result = await database[COLLECTION].delete_one(_mine({"_id": _object_id(preference_id)}, owner))
    if result.deleted_count == 0:
        raise NotFoundError(f"Preference {preference_id} not found")


async def delete_by_user(database: MongoDatabase, user_id: int) -> int:
    """Delete every preference of a User. No transaction (a standalone server has
    none): if it fails part-way, repeating it deletes the rest."""
    result = await database[COLLECTION].delete_many({"user_id": user_id})
    return result.deleted_count
