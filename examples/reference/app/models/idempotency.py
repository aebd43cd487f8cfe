"""Idempotency keys: a create's answer, kept with the write it answered, so a client that
retries (after a timeout, or a 503 that could not say) gets that answer, not a duplicate."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
"""What an `Idempotency-Key` may be: 1 to 255 visible ASCII characters."""


@dataclass(frozen=True)
class IdempotencyKey:
    """The `Idempotency-Key` a client sent, and until when its answer is kept."""

    value: str
    expires_at: datetime


class IdempotencyRecord(SQLModel, table=True):
    """The answer to one create into PostgreSQL, by route and key; written in the same
    transaction as the row it describes. (MongoDB documents carry their own.)"""

    __tablename__ = "idempotency_keys"

    scope: str = Field(primary_key=True, max_length=255)
    """The collection the create went to, e.g. `users`."""
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    """A digest of the request: the same key with another request is refused."""
    answer: dict[str, JsonValue] = Field(sa_type=postgresql.JSONB())
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
