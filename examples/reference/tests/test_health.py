"""Health endpoints: liveness always, readiness when the database answers."""

from httpx import AsyncClient


async def test_live_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"postgres": "ok", "mongodb": "ok"},
    }


async def test_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"


async def test_oversized_body_is_413(client: AsyncClient) -> None:
    response = await client.post("/health/live", content=b"x" * 2_000_000)
    assert response.status_code == 413
