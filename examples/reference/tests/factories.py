"""Valid payloads for each resource, unique on every call, and helpers that create them.

Resources with a create route are created through the API; the others are stored straight
through the app's databases (`bind` gives the factories the app under test).
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import count
from typing import Any

from httpx import AsyncClient

_numbers: defaultdict[str, Iterator[int]] = defaultdict(lambda: count(1))
"""A sequence per resource: the rows one test creates of a resource get consecutive numbers,
so values that must be unique stay apart even in a narrow range."""


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
    """A valid Preference body, creating what it must refer to unless given."""
    n = next(_numbers["preference"])
    if "user_id" not in overrides:
        overrides["user_id"] = (await create_user(client))["id"]
    payload: dict[str, Any] = {
        "theme": "system",
        "language": f"language-{n:06d}",
        "email_notifications": True,
        "push_notifications": True,
        "settings": {"source": "test", "n": n},
    }
    return {**payload, **overrides}


async def create_preference(client: AsyncClient, **overrides: object) -> dict[str, Any]:
    response = await client.post("/preferences", json=await preference_payload(client, **overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
