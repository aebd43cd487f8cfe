"""One unit of work per request: a commit that fails is an error answer, and stores nothing."""

from unittest.mock import patch

from httpx import AsyncClient
from sqlalchemy.exc import OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from tests import factories


async def failing_commit(self: AsyncSession) -> None:
    raise OperationalError("COMMIT", {}, ConnectionResetError("connection lost"))


async def test_a_failed_commit_answers_503_and_stores_nothing(client: AsyncClient) -> None:
    """The client cannot know whether a commit that got no answer was applied: it is told so
    (here nothing was, as the commit never ran)."""
    payload = await factories.user_payload(client)
    with patch.object(AsyncSession, "commit", failing_commit):
        response = await client.post("/users", json=payload)
    assert response.status_code == 503
    assert "may or may not have been applied" in response.json()["detail"]
    assert response.headers["retry-after"]
    stored = await client.get("/users", params={"limit": 100})
    assert stored.json()["items"] == []
