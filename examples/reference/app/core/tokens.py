"""Access tokens: JWTs (PyJWT) signed with HS256 by AUTH_SECRET_KEY, naming one account and
valid for AUTH_TOKEN_MINUTES.

Decoding accepts HS256 only (never `none`), checks the signature, requires every claim this
module writes and refuses a token that has expired or is not valid yet; anything else about
a token is the same 401.
"""

import re
from datetime import UTC, datetime, timedelta

import jwt

from app.core.config import Settings
from app.core.errors import NotAuthenticatedError

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "iat", "nbf", "exp"]
ACCOUNT_ID = re.compile(r"[1-9][0-9]{0,9}")
"""A row id, as the token's subject (whether the row exists is the caller's question)."""


def issue_token(account_id: int, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(account_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=settings.auth_token_minutes),
    }
    return jwt.encode(claims, settings.auth_secret_key.get_secret_value(), algorithm=ALGORITHM)


def token_account(token: str, settings: Settings) -> int:
    """The id of the account a valid token names; raises `NotAuthenticatedError` for any
    other token: malformed, signed with another key or algorithm, expired, not yet valid."""
    try:
        claims = jwt.decode(
            token,
            settings.auth_secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticatedError("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticatedError("the token is not valid; sign in again") from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not ACCOUNT_ID.fullmatch(subject):
        raise NotAuthenticatedError("the token is not valid; sign in again")
    return int(subject)
