"""The generated reference backend under stress, run as a real server on real databases
(without its accounts: these requests test the data path, and sign in as nobody).

Concurrent duplicates, databases that go away and come back, a failure between the two
writes of one request, and hostile input: the app answers 4xx/503, never 500, and keeps
its data consistent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from backend_agent import operations, reference
from backend_agent.serve import migrate
from backend_agent.services import LocalMongo, LocalPostgres, local_mongo, local_postgres
from tests.helpers import running_app

JSON = {"content-type": "application/json"}
TIMEOUTS = {
    "DATABASE_POOL_TIMEOUT": "2",
    "DATABASE_CONNECT_TIMEOUT": "2",
    "MONGODB_TIMEOUT_MS": "1500",
}


class RunningApp:
    def __init__(self, url: str, postgres: LocalPostgres, mongo: LocalMongo) -> None:
        self.url = url
        self.postgres = postgres
        self.mongo = mongo

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=15)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The reference backend on its own servers (these tests stop and start them)."""
    folder = tmp_path_factory.mktemp("reliability")
    root = folder / "reference"
    operations.new_project(root, blueprint=reference.without_accounts(folder))
    with local_postgres() as postgres, local_mongo() as mongo:
        env = {
            **TIMEOUTS,
            "DATABASE_URL": postgres.create_database("reliability"),
            "MONGODB_URL": mongo.url(),
            "MONGODB_DATABASE": "reliability",
            "LOG_LEVEL": "WARNING",
        }
        migrate(root, env)
        with running_app(root, env) as url:
            yield RunningApp(url, postgres, mongo)


async def _user(client: httpx.AsyncClient, email: str) -> int:
    response = await client.post("/users", json={"name": "Ann", "email": email})
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id


async def test_concurrent_duplicate_emails_store_one_row(app: RunningApp) -> None:
    async with app.client() as client:
        body = {"name": "Racer", "email": "race@example.com"}
        responses = await asyncio.gather(*(client.post("/users", json=body) for _ in range(20)))
        codes = sorted(response.status_code for response in responses)
        assert codes == [201] + [409] * 19
        conflict = next(r for r in responses if r.status_code == 409).json()
        assert conflict["field"] == "email"
        page = (await client.get("/users", params={"limit": 100})).json()
        assert [user["email"] for user in page["items"]].count("race@example.com") == 1


async def test_concurrent_duplicate_documents_store_one(app: RunningApp) -> None:
    async with app.client() as client:
        user_id = await _user(client, "prefs-race@example.com")
        body = {"user_id": user_id, "theme": "dark"}
        responses = await asyncio.gather(
            *(client.post("/preferences", json=body) for _ in range(20))
        )
        codes = sorted(response.status_code for response in responses)
        assert codes == [201] + [409] * 19
        page = (await client.get("/preferences", params={"limit": 100})).json()
        assert [p["user_id"] for p in page["items"]].count(user_id) == 1


async def test_concurrent_retries_with_one_idempotency_key_store_one_row(app: RunningApp) -> None:
    """A client retrying (in parallel, even) with its Idempotency-Key creates one user and
    one preference; each answer is that row, or 409 while the first is being stored, and
    a retry after that gets the row."""
    async with app.client() as client:
        key = {"Idempotency-Key": "retry-user"}
        body = {"name": "Retry", "email": "retry@example.com"}
        answers = await asyncio.gather(
            *(client.post("/users", json=body, headers=key) for _ in range(20))
        )
        created = {a.json()["id"] for a in answers if a.status_code == 201}
        assert {a.status_code for a in answers} <= {201, 409}
        assert len(created) == 1
        retried = await client.post("/users", json=body, headers=key)
        assert retried.status_code == 201
        assert retried.json()["id"] in created
        users = (await client.get("/users", params={"limit": 100})).json()["items"]
        assert [u["email"] for u in users].count("retry@example.com") == 1
        key = {"Idempotency-Key": "retry-preference"}
        body = {"user_id": created.pop()}
        answers = await asyncio.gather(
            *(client.post("/preferences", json=body, headers=key) for _ in range(20))
        )
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["id"] for a in answers}) == 1


async def test_postgres_down_answers_503_and_recovers(app: RunningApp) -> None:
    async with app.client() as client:
        user_id = await _user(client, "outage@example.com")
        app.postgres.stop()
        try:
            started = time.monotonic()
            ready = await client.get("/health/ready")
            read = await client.get(f"/users/{user_id}")
            assert ready.status_code == 503
            assert ready.json()["checks"]["postgres"].startswith("unavailable")
            assert read.status_code == 503
            assert "database is unavailable" in read.json()["detail"]
            assert time.monotonic() - started < 10
        finally:
            app.postgres.start()
        recovered = await client.get(f"/users/{user_id}")
        assert recovered.status_code == 200
        assert (await client.get("/health/ready")).status_code == 200


async def test_mongo_down_answers_503_and_recovers(app: RunningApp) -> None:
    async with app.client() as client:
        user_id = await _user(client, "mongo-outage@example.com")
        created = await client.post("/preferences", json={"user_id": user_id})
        assert created.status_code == 201
        app.mongo.stop()
        try:
            ready = await client.get("/health/ready")
            read = await client.get(f"/preferences/{created.json()['id']}")
            assert ready.status_code == 503
            assert ready.json()["checks"]["mongodb"].startswith("unavailable")
            assert read.status_code == 503
        finally:
            app.mongo.start()
        recovered = await client.get(f"/preferences/{created.json()['id']}")
        assert recovered.status_code == 200


async def test_failure_between_the_writes_of_a_delete_leaves_no_partial_write(
    app: RunningApp,
) -> None:
    """Deleting a user deletes its preferences: with MongoDB down, neither is deleted."""
    async with app.client() as client:
        user_id = await _user(client, "cascade@example.com")
        preference = (await client.post("/preferences", json={"user_id": user_id})).json()
        app.mongo.stop()
        try:
            failed = await client.delete(f"/users/{user_id}")
            assert failed.status_code == 503
        finally:
            app.mongo.start()
        assert (await client.get(f"/users/{user_id}")).status_code == 200
        assert (await client.get(f"/preferences/{preference['id']}")).status_code == 200
        assert (await client.delete(f"/users/{user_id}")).status_code == 204
        assert (await client.get(f"/preferences/{preference['id']}")).status_code == 404


async def test_more_clients_than_connections_are_all_served(app: RunningApp) -> None:
    """64 clients on a pool of 10: they wait in line for a connection, none is refused."""
    async with app.client() as client:
        user_id = await _user(client, "crowd@example.com")
        responses = await asyncio.gather(*(client.get(f"/users/{user_id}") for _ in range(64)))
    assert [response.status_code for response in responses] == [200] * 64


async def test_a_request_that_waits_too_long_for_a_connection_is_503_and_stores_nothing(
    app: RunningApp,
) -> None:
    """With every connection held (writes blocked by a lock), the next request waits
    DATABASE_POOL_TIMEOUT, then is told to retry; the held ones finish once the lock goes."""
    locker = await asyncpg.connect(app.postgres.url("reliability", driver="postgresql"))
    try:
        await locker.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        async with app.client() as client:
            held = [
                asyncio.create_task(
                    client.post("/users", json={"name": "Held", "email": f"held{n}@example.com"})
                )
                for n in range(10)
            ]
            await asyncio.sleep(0.5)
            late = await client.post("/users", json={"name": "Late", "email": "late@example.com"})
            await locker.execute("ROLLBACK")
            finished = await asyncio.gather(*held)
        stored = await locker.fetchval(
            "SELECT count(*) FROM users WHERE email = 'late@example.com'"
        )
    finally:
        await locker.close()
    assert late.status_code == 503, late.text
    assert "nothing was stored" in late.json()["detail"]
    assert late.headers["retry-after"]
    assert [response.status_code for response in finished] == [201] * 10
    assert stored == 0


async def test_a_streamed_body_over_the_limit_is_413_with_a_json_message(app: RunningApp) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65_536

    async with app.client() as client:
        response = await client.post("/users", content=chunks(), headers=JSON)
    assert response.status_code == 413, response.text
    assert response.json() == {"detail": "request body too large"}


async def test_an_app_started_while_mongodb_is_down_serves_and_recovers(
    app: RunningApp, tmp_path: Path
) -> None:
    """It starts, says it is not ready (and 503 for MongoDB's routes), builds the indexes
    once MongoDB is back, and then refuses duplicates again."""
    root = tmp_path / "reference"
    operations.new_project(root, blueprint=reference.without_accounts(tmp_path))
    env = {
        **TIMEOUTS,
        "DATABASE_URL": app.postgres.create_database("late_mongo"),
        "MONGODB_URL": app.mongo.url(),
        "MONGODB_DATABASE": "late_mongo",
        "LOG_LEVEL": "ERROR",
    }
    migrate(root, env)
    app.mongo.stop()
    try:
        with running_app(root, env, wait_for="live") as url:
            async with httpx.AsyncClient(base_url=url, timeout=15) as client:
                ready = await client.get("/health/ready")
                assert ready.status_code == 503
                assert (await client.get("/preferences")).status_code == 503
                user = await _user(client, "late@example.com")
                app.mongo.start()
                for _ in range(100):
                    if (await client.get("/health/ready")).status_code == 200:
                        break
                    await asyncio.sleep(0.2)
                body = {"user_id": user}
                assert (await client.post("/preferences", json=body)).status_code == 201
                assert (await client.post("/preferences", json=body)).status_code == 409
    finally:
        if app.mongo.pid is None:
            app.mongo.start()


@pytest.mark.parametrize(
    ("path", "content", "headers", "expected"),
    [
        ("/users", b"{not json", {"content-type": "application/json"}, 422),
        ("/users", b'{"name": "A", "email": "a@example.com"}', {"content-type": "text/plain"}, 422),
        ("/users", b"x" * 2_000_000, {"content-type": "application/json"}, 413),
        (
            "/users",
            b'{"name": "", "email": "a@example.com"}',
            {"content-type": "application/json"},
            422,
        ),
        ("/users", b'{"name": "A", "email": "nope"}', {"content-type": "application/json"}, 422),
        (
            "/preferences",
            b'{"user_id": 1, "settings": {"a.b": 1}}',
            {"content-type": "application/json"},
            422,
        ),
        (
            "/preferences",
            b'{"user_id": 1, "settings": {"$ne": 1}}',
            {"content-type": "application/json"},
            422,
        ),
        (
            "/preferences",
            b'{"user_id": "1; drop", "theme": "dark"}',
            {"content-type": "application/json"},
            422,
        ),
        ("/preferences", b'{"user_id": 99999999}', {"content-type": "application/json"}, 409),
        # Values JSON allows and Python reads, which the answer or the database cannot hold.
        ("/users", b"NaN", JSON, 422),
        ("/users", b'{"name": NaN, "email": "nan@example.com"}', JSON, 422),
        ("/users", b'{"name": "\\ud800", "email": "lone@example.com"}', JSON, 422),
        ("/preferences", b'{"user_id": 1, "settings": {"\\ud800": 1}}', JSON, 422),
        ("/preferences", b'{"user_id": 1, "settings": {"f": Infinity}}', JSON, 422),
        ("/preferences", b'{"user_id": 1, "settings": {"f": 1e400}}', JSON, 422),
        ("/preferences", b'{"user_id": NaN}', JSON, 422),
        ("/users", b'{"name": "A", "email": "a@example.com", "x": "\xff"}', JSON, 400),
        ("/users", b'{"name": "a\\u0000b", "email": "nul@example.com"}', JSON, 422),
        ("/preferences", b'{"user_id": 1, "settings": {"k\\u0000": 1}}', JSON, 422),
        ("/preferences", b'{"user_id": 1, "settings": {"n": 99999999999999999999}}', JSON, 422),
        ("/users/99999999999", None, {}, 422),
        ("/users?offset=99999999999999999999", None, {}, 422),
        ("/users/abc", None, {}, 422),
        ("/preferences/not-an-objectid", None, {}, 404),
        ("/users?limit=100000", None, {}, 422),
    ],
)
async def test_hostile_input_gets_4xx_with_a_message(
    app: RunningApp, path: str, content: bytes | None, headers: dict[str, str], expected: int
) -> None:
    async with app.client() as client:
        if content is None:
            response = await client.get(path)
        else:
            response = await client.post(path, content=content, headers=headers)
    assert response.status_code == expected, response.text
    assert response.json()["detail"]


async def test_patch_with_minus_infinity_is_422_naming_the_field(app: RunningApp) -> None:
    async with app.client() as client:
        user_id = await _user(client, "inf@example.com")
        response = await client.patch(
            f"/users/{user_id}", content=b'{"name": -Infinity}', headers=JSON
        )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


async def test_emails_are_unique_whatever_their_case(app: RunningApp) -> None:
    async with app.client() as client:
        first = await client.post("/users", json={"name": "Ann", "email": "Ann@Example.com"})
        again = await client.post("/users", json={"name": "Ann", "email": "ann@example.com"})
    assert first.status_code == 201, first.text
    assert first.json()["email"] == "ann@example.com"
    assert again.status_code == 409
    assert again.json()["field"] == "email"


async def test_wrong_method_lists_every_allowed_one_and_head_works(app: RunningApp) -> None:
    async with app.client() as client:
        wrong = await client.put("/users")
        head = await client.head("/users")
        get = await client.get("/users")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, POST"
    assert wrong.json() == {"detail": "Method Not Allowed"}
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_an_error_answer_keeps_the_connection_usable(app: RunningApp) -> None:
    """Every error is JSON sent on a connection the server keeps open: the next request on
    it is answered, not reset."""
    transport = httpx.AsyncHTTPTransport(retries=0)
    async with httpx.AsyncClient(base_url=app.url, transport=transport, timeout=15) as client:
        refused = await client.post("/users", content=b'{"name": NaN}', headers=JSON)
        after = await client.get("/health/live")
    assert refused.status_code == 422
    assert refused.headers.get("connection", "keep-alive") != "close"
    assert after.status_code == 200


async def test_deeply_nested_settings_are_refused(app: RunningApp) -> None:
    nested: dict[str, object] = {}
    for _ in range(50):
        nested = {"k": nested}
    async with app.client() as client:
        user_id = await _user(client, "deep@example.com")
        response = await client.post("/preferences", json={"user_id": user_id, "settings": nested})
    assert response.status_code == 422
    assert "nested deeper" in response.text
