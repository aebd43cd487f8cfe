"""User: its table and the schemas of its API."""

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from app.models.types import Email, Patch, Text


class UserBase(SQLModel):
    """Fields a client sends and receives."""

    name: Text = Field(min_length=1, max_length=100)
    email: Email = Field(max_length=254, unique=True, sa_type=sa.String(length=255))


class User(UserBase, table=True):
    """The `users` table."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255, repr=False)
    """The password's Argon2 hash, never in an answer; None: the account cannot sign in."""
    is_admin: bool = Field(default=False)
    """Administrators pass every access check."""


class UserCreate(UserBase):
    """Input of POST /users."""


class UserUpdate(SQLModel):
    """Input of PATCH /users/{id}: fields left out keep their value."""

    name: Patch[Text] = Field(default=None, min_length=1, max_length=100)
    email: Patch[Email] = Field(default=None, max_length=254)


class UserRead(BaseModel):
    """What the API returns: stored values, so input rules are not checked again.

    A plain Pydantic model read from the row's attributes: SQLModel's own `model_validate`
    costs twice as much per object, which a page of 50 rows pays 50 times.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
