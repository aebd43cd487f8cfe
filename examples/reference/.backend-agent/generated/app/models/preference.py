"""Preference: documents of the `preferences` collection and the schemas of its API."""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, JsonValue
from pymongo import ASCENDING, IndexModel

from app.models.types import DocumentInput, Id, JsonObject, reject_null

COLLECTION = "preferences"
INDEXES: list[IndexModel] = [
    IndexModel(
        [("user_id", ASCENDING)],
        name="uq_preferences_user_id",
        unique=True,
        partialFilterExpression={"user_id": {"$type": "number"}},
    ),
]
"""Created at start-up; unique ones turn duplicate values into 409 answers. A unique index
covers only values that are set: like PostgreSQL, any number of documents may leave an
optional unique field empty."""


class PreferenceTheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class PreferenceBase(DocumentInput):
    """Fields a client sends and receives."""

    theme: PreferenceTheme = Field(default=PreferenceTheme.SYSTEM)
    language: str = Field(default="en", min_length=2, max_length=16)
    email_notifications: bool = Field(default=True)
    push_notifications: bool = Field(default=False)
    settings: JsonObject | None = Field(default=None)
    user_id: Id


class PreferenceCreate(PreferenceBase):
    """Input of POST /preferences."""


class PreferenceUpdate(DocumentInput):
    """Input of PATCH /preferences/{id}: fields left out keep their value."""

    theme: Annotated[PreferenceTheme | None, AfterValidator(reject_null)] = Field(default=None)
    language: Annotated[str | None, AfterValidator(reject_null)] = Field(
        default=None, min_length=2, max_length=16
    )
    email_notifications: Annotated[bool | None, AfterValidator(reject_null)] = Field(default=None)
    push_notifications: Annotated[bool | None, AfterValidator(reject_null)] = Field(default=None)
    settings: JsonObject | None = Field(default=None)
    user_id: Annotated[Id | None, AfterValidator(reject_null)] = Field(default=None)


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
