"""Idempotent creates: a retried request with the same `Idempotency-Key` gets the first
answer instead of a second row. Raises domain errors; knows nothing of HTTP."""

import hashlib
from typing import Any

from pydantic import BaseModel, JsonValue
from pymongo.asynchronous.collection import AsyncCollection
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from app.core.errors import ConflictError
from app.db.session import Session
from app.models.idempotency import IdempotencyKey, IdempotencyRecord
from app.models.types import utc_now

KEY_FIELD = "Idempotency-Key"
REUSED = f"this {KEY_FIELD} was sent with another request; use a new key for a new request"


def fingerprint(request: BaseModel) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


async def replay(
    session: Session, key: IdempotencyKey, scope: str, request: BaseModel
) -> dict[str, JsonValue] | None:
    """The answer already given to this key in `scope`, if it has not expired."""
    record = await session.get(IdempotencyRecord, (scope, key.value))
    if record is None or record.expires_at <= utc_now():
        return None
    if record.fingerprint != fingerprint(request):
        raise ConflictError(REUSED, field=KEY_FIELD)
    return record.answer


async def remember(
    session: Session, key: IdempotencyKey, scope: str, request: BaseModel, answer: BaseModel
) -> None:
    """Keep `answer` for `key` in the request's unit of work: stored with the row, or not
    at all. A twin request that got here first makes this one a conflict (its work rolls
    back), so only one row is ever stored; an expired key is taken over."""
    record = {
        "scope": scope,
        "key": key.value,
        "fingerprint": fingerprint(request),
        "answer": answer.model_dump(mode="json"),
        "expires_at": key.expires_at,
    }
    statement = (
        insert(IdempotencyRecord)
        .values(record)
        .on_conflict_do_update(
            index_elements=["scope", "key"],
            set_=record,
            where=col(IdempotencyRecord.expires_at) <= utc_now(),
        )
        .returning(col(IdempotencyRecord.key))
    )
    if await session.first(statement) is None:
        raise ConflictError(
            f"a request with this {KEY_FIELD} is being handled; retry to get its answer",
            field=KEY_FIELD,
        )


DOCUMENT_FIELD = "_idempotency"
"""Where a document keeps the key it was created with (a unique index covers it)."""


def stamp(key: IdempotencyKey, request: BaseModel) -> dict[str, Any]:
    """What a new document records of its key: written atomically with the document."""
    return {"key": key.value, "fingerprint": fingerprint(request), "expires_at": key.expires_at}


async def replay_document(
    collection: AsyncCollection[dict[str, Any]], key: IdempotencyKey, request: BaseModel
) -> dict[str, Any] | None:
    """The document created with this key, if it has not expired; an expired key is
    released, so it can be used again."""
    document = await collection.find_one({f"{DOCUMENT_FIELD}.key": key.value})
    if document is None:
        return None
    if document[DOCUMENT_FIELD]["expires_at"] <= utc_now():
        await collection.update_one({"_id": document["_id"]}, {"$unset": {DOCUMENT_FIELD: ""}})
        return None
    if document[DOCUMENT_FIELD]["fingerprint"] != fingerprint(request):
        raise ConflictError(REUSED, field=KEY_FIELD)
    return document
