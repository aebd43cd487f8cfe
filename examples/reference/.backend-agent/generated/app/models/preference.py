"""Preference: documents of the `preferences` collection and the schemas of its API."""

from enum import StrEnum

from pydantic import BaseModel, Field, JsonValue, StrictBool
from pymongo import ASCENDING, IndexModel

from app.models.types import JsonObject, Patch, Text

COLLECTION = "preferences"
INDEXES: list[IndexModel] = [
    IndexModel(
        [("user_id", ASCENDING)],
        name="uq_preferences_user_id",
        unique=True,
        partialFilterExpression={"user_id": {"$type": "number"}},
    ),
    IndexModel(
        [("_idempotency.key", ASCENDING)],
        name="uq_preferences_idempotency_key",
        unique=True,
        partialFilterExpression={"_idempotency.key": {"$type": "string"}},
    ),
]
"""Created at start-up; unique ones turn duplicate values into 409 answers. A unique index
covers only values that are set: like PostgreSQL, any number of documents may leave an
optional unique field empty."""


class PreferenceTheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class PreferenceBase(BaseModel):
    """Fields a client sends and receives."""

    theme: PreferenceTheme = Field(default=PreferenceTheme.SYSTEM)
    language: Text = Field(default="en", min_length=2, max_length=16)
    email_notifications: StrictBool = Field(default=True)
    push_notifications: StrictBool = Field(default=False)
    settings: JsonObject | None = Field(default=None)


class PreferenceCreate(PreferenceBase):
    """Input of POST /preferences."""


class PreferenceUpdate(BaseModel):
    """Input of PATCH /preferences/{id}: fields left out keep their value."""

    theme: Patch[PreferenceTheme] = Field(default=None)
    language: Patch[Text] = Field(default=None, min_length=2, max_length=16)
    email_notifications: Patch[StrictBool] = Field(default=None)
    push_notifications: Patch[StrictBool] = Field(default=None)
    settings: JsonObject | None = Field(default=None)


class PreferenceRead(BaseModel):
    """What the API returns: stored values, so input rules are not checked again.

    `id` is the document's ObjectId as hex.
    """

    id: str
    user_id: int
    theme: PreferenceTheme = Field(default=PreferenceTheme.SYSTEM)
    language: str = Field(default="en")
    email_notifications: bool = Field(default=True)
    push_notifications: bool = Field(default=False)
    settings: dict[str, JsonValue] | None = Field(default=None)
