"""Accounts' schemas: a registration, a token, the signed-in account, and who is calling."""

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from app.models.types import Text
from app.models.user import UserBase, UserRead

EMAIL_MAX_LENGTH = 254
"""The longest address email-validator accepts."""
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
"""Longer passwords are refused before anything hashes them: hashing is slow on purpose."""


@dataclass(frozen=True)
class Caller:
    """The account a request's token speaks for."""

    id: int
    is_admin: bool
    """Administrators pass every access check."""


class Registration(UserBase):
    """Input of POST /auth/register: the account's fields and its password (stored only as a
    hash, never returned)."""

    password: Text = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        json_schema_extra={"format": "password"},
    )


class Token(BaseModel):
    """An access token: send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = Field(default="bearer", description="How to send it")
    expires_in: int
    """Seconds until it expires; then sign in again."""


class Me(UserRead):
    """The signed-in account."""

    is_admin: bool
