"""User: its table and the schemas of its API."""

from typing import Annotated

from pydantic import AfterValidator, EmailStr
from sqlmodel import Field, SQLModel

from app.models.types import TableInput, reject_null


class UserBase(TableInput):
    """Fields a client sends and receives."""

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr = Field(max_length=255, unique=True)


class User(UserBase, table=True):
    """The `users` table."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)


class UserCreate(UserBase):
    """Input of POST /users."""


class UserUpdate(TableInput):
    """Input of PATCH /users/{id}: fields left out keep their value."""

    name: Annotated[str | None, AfterValidator(reject_null)] = Field(
        default=None, min_length=1, max_length=100
    )
    email: Annotated[EmailStr | None, AfterValidator(reject_null)] = Field(
        default=None, max_length=255
    )


class UserRead(SQLModel):
    """What the API returns: stored values, so input rules are not checked again."""

    id: int
    name: str
    email: str
