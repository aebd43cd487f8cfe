"""Valid payloads for each resource, unique on every call, and helpers that create them."""

from itertools import count
from typing import Any

from httpx import AsyncClient

_numbers = count(1)


async def user_payload(client: AsyncClient, **overrides: object) -> dict[str, Any]:
    """A valid User body."""
    n = next(_numbers)
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
    """A valid Preference body, creating what it refers to unless given."""
    n = next(_numbers)
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
