"""Valid payloads for each resource, unique on every call, and helpers that create them.

Resources with a create route are created through the API; the others are stored straight
through the app's databases (`bind` gives the factories the app under test). So are
accounts (`new_account`): without a password, as nothing here signs in with one.
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import count
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import insert

from app.core.tokens import issue_token
from app.db.session import unit_of_work
from app.models.user import User, UserBase

_numbers: defaultdict[str, Iterator[int]] = defaultdict(lambda: count(1))
"""A sequence per resource: the rows one test creates of a resource get consecutive numbers,
so values that must be unique stay apart even in a narrow range."""
_app: FastAPI | None = None


def bind(app: FastAPI) -> None:
    """Use `app`'s databases for accounts and resources that have no create route."""
    global _app
    _app = app


def _bound() -> FastAPI:
    assert _app is not None, "call factories.bind(app) first (the client fixture does)"
    return _app


async def new_account(client: AsyncClient, *, admin: bool = False) -> int:
    """The id of a new User (an administrator with `admin`), stored straight into PostgreSQL."""
    data = UserBase.model_validate(await user_payload(client))
    values = data.model_dump() | {"is_admin": admin}
    async with unit_of_work(_bound().state.database) as session:
        account = await session.one(insert(User).returning(User), values)
    assert account.id is not None
    return account.id


def bearer_of(account_id: int) -> str:
    """The Authorization header that signs a request in as this account."""
    return f"Bearer {issue_token(account_id, _bound().state.settings)}"


async def account_id(client: AsyncClient) -> int:
    """The id of the account `client` is signed in as."""
    response = await client.get("/auth/me")
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


async def user_payload(client: AsyncClient, **overrides: object) -> dict[str, Any]:
    """A valid User body."""
    n = next(_numbers["user"])
    payload: dict[str, Any] = {
        "name": f"name-{n:06d}",
        "email": f"user{n}@example.com",
    }
    return {**payload, **overrides}


async def create_user(client: AsyncClient, **overrides: object) -> dict[str, Any]:
    response = await client.post("/users", json=await user_payload(client, **overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def preference_payload(client: AsyncClient, **overrides: object) -> dict[str, Any]:
    """A valid Preference body."""
    n = next(_numbers["preference"])
    payload: dict[str, Any] = {
        "theme": "system",
        "language": f"language-{n:06d}",
        "email_notifications": True,
        "push_notifications": True,
        "settings": {"source": "test", "n": n},
    }
    return {**payload, **overrides}


async def create_preference(
    client: AsyncClient, *, owner: int | None = None, **overrides: object
) -> dict[str, Any]:
    """A Preference created by `owner` when given, else by a new account (each has one at most)."""
    payload = await preference_payload(client, **overrides)
    creator = owner if owner is not None else await new_account(client)
    headers = {"Authorization": bearer_of(creator)}
    response = await client.post("/preferences", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
