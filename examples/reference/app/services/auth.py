"""Accounts: opening one, signing in, and which account a token speaks for.

Raises domain errors; knows nothing of HTTP.
"""

from sqlalchemy import insert
from sqlmodel import col, select

from app.core.config import Settings
from app.core.errors import NotAuthenticatedError
from app.core.passwords import check_password, hash_password
from app.core.tokens import issue_token, token_account
from app.db.session import Session
from app.models.auth import Caller, Registration, Token
from app.models.types import INT_MAX
from app.models.user import User, UserRead

SIGN_IN_REFUSED = "incorrect email or password"
"""The same answer for an unknown email and a wrong password: it tells nobody which
accounts exist."""


async def register(session: Session, data: Registration) -> UserRead:
    """Open an account; its password is stored only as a hash. An email already taken is a
    conflict naming the field."""
    values = data.model_dump(exclude={"password"}) | {
        "password_hash": await hash_password(data.password),
    }
    return await session.one(insert(User).returning(User), values, into=UserRead)


async def sign_in(session: Session, email: str, password: str, settings: Settings) -> Token:
    """A token for the account these credentials open; an unknown email and a wrong password
    fail alike, with the same message and about the same work."""
    statement = select(User).where(col(User.email) == email.lower())
    account = await session.first(statement)
    stored = account.password_hash if account is not None else None
    if not await check_password(password, stored) or account is None or account.id is None:
        raise NotAuthenticatedError(SIGN_IN_REFUSED)
    return Token(
        access_token=issue_token(account.id, settings),
        expires_in=settings.auth_token_minutes * 60,
    )


async def caller(session: Session, token: str, settings: Settings) -> Caller:
    """The account a bearer token speaks for, as it is now: a token of a deleted account
    speaks for nobody, and an administrator demoted since it was issued is no longer one."""
    account_id = token_account(token, settings)
    if account_id > INT_MAX:
        raise NotAuthenticatedError("the token is not valid; sign in again")
    statement = select(col(User.is_admin)).where(col(User.id) == account_id)
    is_admin = await session.first(statement)
    if is_admin is None:
        raise NotAuthenticatedError("the token's account no longer exists")
    return Caller(account_id, is_admin)
