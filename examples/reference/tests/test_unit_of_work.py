"""One unit of work per request: a commit that fails is an error answer, and stores nothing."""

from unittest.mock import patch

from asyncpg.connection import Connection
from httpx import AsyncClient

from tests import factories

execute = Connection.execute
fetchrow = Connection.fetchrow


async def commit_lost(self: Connection, query: str, *args: object) -> str:
    """The connection drops as the COMMIT is sent."""
    if query == "COMMIT":
        raise ConnectionResetError("connection lost")
    return await execute(self, query, *args)


async def insert_lost(self: Connection, query: str, *args: object) -> object:
    """The connection drops as an INSERT is sent."""
    if query.startswith("INSERT"):
        raise ConnectionResetError("connection lost")
    return await fetchrow(self, query, *args)


async def test_a_failed_commit_answers_503_and_stores_nothing(client: AsyncClient) -> None:
    """The client cannot know whether a commit that got no answer was applied: it is told so
    (here nothing was, as the commit never ran). With an Idempotency-Key, a create is a
    transaction: the key is remembered with the row."""
    payload = await factories.user_payload(client)
    before = await client.get("/users", params={"limit": 100})
    with patch.object(Connection, "execute", commit_lost):
        response = await client.post(
            "/users", json=payload, headers={"Idempotency-Key": "lost-commit"}
        )
    assert response.status_code == 503
    assert "may or may not have been applied" in response.json()["detail"]
    assert response.headers["retry-after"]
    stored = await client.get("/users", params={"limit": 100})
    assert stored.json()["items"] == before.json()["items"]


async def test_a_lone_insert_whose_answer_is_lost_answers_503(client: AsyncClient) -> None:
    """A create without a key is one statement that commits as it runs: a lost answer
    leaves its outcome unknown, and the client is told so, as of a lost commit."""
    payload = await factories.user_payload(client)
    before = await client.get("/users", params={"limit": 100})
    with patch.object(Connection, "fetchrow", insert_lost):
        response = await client.post("/users", json=payload)
    assert response.status_code == 503
    assert "may or may not have been applied" in response.json()["detail"]
    stored = await client.get("/users", params={"limit": 100})
    assert stored.json()["items"] == before.json()["items"]
    retried = await client.post("/users", json=payload)
    assert retried.status_code == 201, retried.text
