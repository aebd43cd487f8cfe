"""One unit of work per request: a commit that fails is an error answer, and stores nothing."""

from unittest.mock import patch

from asyncpg.connection import Connection
from httpx import AsyncClient

from tests import factories

execute = Connection.execute


async def commit_lost(self: Connection, query: str, *args: object) -> str:
    """The connection drops as the COMMIT is sent."""
    if query == "COMMIT":
        raise ConnectionResetError("connection lost")
    return await execute(self, query, *args)


async def test_a_failed_commit_answers_503_and_stores_nothing(client: AsyncClient) -> None:
    """The client cannot know whether a commit that got no answer was applied: it is told so
    (here nothing was, as the commit never ran)."""
    payload = await factories.user_payload(client)
    before = await client.get("/users", params={"limit": 100})
    with patch.object(Connection, "execute", commit_lost):
        response = await client.post("/users", json=payload)
    assert response.status_code == 503
    assert "may or may not have been applied" in response.json()["detail"]
    assert response.headers["retry-after"]
    stored = await client.get("/users", params={"limit": 100})
    assert stored.json()["items"] == before.json()["items"]
