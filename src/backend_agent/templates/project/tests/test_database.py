"""The data path under contention: a fair, bounded wait for connections, and sessions that
commit, roll back and read as promised."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from unittest.mock import patch

import pytest
from asyncpg.connection import Connection
from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import DateTime, column, func, literal, table
from sqlmodel import select

from app.api.deps import SessionDep
from app.api.errors import register_exception_handlers
from app.api.routing import add_routes
from app.core.errors import ConflictError, UnavailableError
from app.db.postgres import Database
from app.db.session import Session, unit_of_work


@pytest.fixture
async def one_connection(app: FastAPI) -> AsyncIterator[Database]:
    """A pool of one connection whose waiters give up after a fifth of a second."""
    settings = app.state.settings.model_copy(
        update={"database_pool_size": 1, "database_pool_timeout": 0.2}
    )
    database = Database(settings)
    yield database
    await database.close()


PROBE = table("probe", column("value"))
"""A temporary table of the one connection's session."""


@pytest.fixture
async def probe(one_connection: Database) -> Database:
    async with one_connection.connection(writes=True) as connection:
        await connection.execute("CREATE TEMPORARY TABLE probe (value integer)")
    return one_connection


@pytest.fixture
def sent() -> Iterator[list[str]]:
    """The first word of each statement sent with `execute` (BEGIN, INSERT, COMMIT, ...)."""
    words: list[str] = []
    execute = Connection.execute

    async def recording(self: Connection, query: str, *args: object) -> str:
        words.append(query.split()[0])
        return await execute(self, query, *args)

    with patch.object(Connection, "execute", recording):
        yield words


async def test_waiting_for_a_connection_is_first_come_first_served(
    one_connection: Database,
) -> None:
    served: list[int] = []

    async def request(number: int) -> None:
        connection = await one_connection.acquire(writes=False)
        served.append(number)
        one_connection.release(connection)

    held = await one_connection.acquire(writes=False)
    waiting = []
    for number in range(5):
        waiting.append(asyncio.create_task(request(number)))
        await asyncio.sleep(0.01)  # each one is in line before the next arrives
    one_connection.release(held)
    await asyncio.gather(*waiting)
    assert served == [0, 1, 2, 3, 4]


async def test_a_wait_longer_than_the_pool_timeout_is_a_503_that_stored_nothing(
    one_connection: Database,
) -> None:
    held = await one_connection.acquire(writes=False)
    try:
        with pytest.raises(UnavailableError, match=r"no connection was free.*nothing was stored"):
            await one_connection.acquire(writes=True)
    finally:
        one_connection.release(held)
    connection = await one_connection.acquire(writes=False)  # the line moves on
    one_connection.release(connection)


async def test_each_wait_in_line_ends_at_its_own_deadline(one_connection: Database) -> None:
    """One timer serves the whole line: a later arrival is not answered at the first's
    deadline, and one still waiting is served when a connection comes back."""
    held = await one_connection.acquire(writes=False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = asyncio.create_task(one_connection.acquire(writes=False))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(one_connection.acquire(writes=False))
    with pytest.raises(UnavailableError):
        await first
    assert loop.time() - started < 0.3  # answered near its deadline (0.2 s)
    assert not second.done()
    one_connection.release(held)
    one_connection.release(await second)


async def test_a_connection_handed_to_a_request_cancelled_meanwhile_is_not_lost(
    one_connection: Database,
) -> None:
    held = await one_connection.acquire(writes=False)
    waiting = asyncio.create_task(one_connection.acquire(writes=False))
    await asyncio.sleep(0.01)
    one_connection.release(held)  # handed to `waiting`, which is cancelled before it runs
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    connection = await asyncio.wait_for(one_connection.acquire(writes=False), 0.1)
    one_connection.release(connection)


async def test_a_query_cancelled_midway_leaves_its_connection_fit_for_the_next(
    one_connection: Database,
) -> None:
    connection = await one_connection.acquire(writes=False)
    query = asyncio.create_task(connection.execute("SELECT pg_sleep(10)"))
    await asyncio.sleep(0.05)
    query.cancel()
    with pytest.raises(asyncio.CancelledError):
        await query
    one_connection.release(connection)
    async with one_connection.connection(writes=False) as same:
        assert await asyncio.wait_for(same.fetchval("SELECT 1"), 2) == 1


async def test_a_connection_closed_or_left_in_a_transaction_is_replaced(
    probe: Database,
) -> None:
    """Its changes roll back; the next request gets a connection of its own (the temporary
    table of the one before is gone with it)."""
    connection = await probe.acquire(writes=True)
    await connection.execute("BEGIN")
    await connection.execute("INSERT INTO probe VALUES (1)")
    probe.release(connection)
    async with probe.connection(writes=False) as replaced:
        assert replaced is not connection
        assert await replaced.fetchval("SELECT to_regclass('pg_temp.probe')") is None
    replaced.terminate()
    probe.release(replaced)
    async with probe.connection(writes=False) as fresh:
        assert fresh is not replaced
        assert await fresh.fetchval("SELECT 1") == 1


async def test_connections_open_when_the_database_went_away_are_replaced(
    one_connection: Database,
) -> None:
    """A lost connection means all may be lost: each is replaced at its next use."""
    async with one_connection.connection(writes=False) as before:
        error = one_connection.unavailable(OSError("connection reset"), writes=False)
        assert isinstance(error, UnavailableError)
    async with one_connection.connection(writes=False) as after:
        assert after is not before
        assert before.is_closed()


async def test_a_statement_past_its_timeout_is_503_and_its_connection_serves_the_next(
    app: FastAPI,
) -> None:
    """A slow statement is no outage: asyncpg cancels it, and no connection is replaced."""
    settings = app.state.settings.model_copy(
        update={"database_pool_size": 1, "database_statement_timeout": 0.1}
    )
    database = Database(settings)
    session = Session(database, writes=False)
    try:
        backend = await session.first(select(func.pg_backend_pid()))
        with pytest.raises(UnavailableError):
            await session.first(select(func.pg_sleep(1)))
        assert await session.first(select(func.pg_backend_pid())) == backend
    finally:
        await database.close()


async def test_no_more_connections_open_than_the_pool_size(app: FastAPI) -> None:
    settings = app.state.settings.model_copy(update={"database_pool_size": 3})
    database = Database(settings)
    used: set[int] = set()

    async def request() -> None:
        async with database.connection(writes=False) as connection:
            used.add(await connection.fetchval("SELECT pg_backend_pid()"))
            await asyncio.sleep(0.01)

    try:
        await asyncio.gather(*(request() for _ in range(30)))
    finally:
        await database.close()
    assert len(used) == 3
    with pytest.raises(UnavailableError, match="shutting down"):
        await database.acquire(writes=False)


async def test_a_unit_of_work_that_fails_gives_its_connection_back(
    one_connection: Database,
) -> None:
    with pytest.raises(RuntimeError):
        async with unit_of_work(one_connection) as session:
            await session.first(select(literal(1)))
            raise RuntimeError("the handler failed")
    async with unit_of_work(one_connection) as session:
        assert await session.first(select(literal(2))) == 2


async def test_a_read_session_refuses_to_write(app: FastAPI) -> None:
    session = Session(app.state.database, writes=False)
    with pytest.raises(TypeError, match="SessionDep"):
        await session.execute(table("anywhere", column("value")).insert().values(value=1))


async def test_the_first_and_last_instants_read_back_with_their_time_zone(app: FastAPI) -> None:
    session = Session(app.state.database, writes=False)
    for moment in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)):
        assert await session.first(select(literal(moment, DateTime(timezone=True)))) == moment


async def test_a_lone_write_marked_last_commits_as_it_runs(probe: Database, sent: list[str]) -> None:
    """One round trip where BEGIN, the statement and COMMIT would take three; the connection
    is free again as soon as it has answered, while the handler still writes its response."""
    async with unit_of_work(probe) as session:
        await session.execute(PROBE.insert().values(value=1), last=True)
        async with probe.connection(writes=False) as connection:  # the pool's only one
            assert await connection.fetchval("SELECT value FROM probe") == 1
    assert sent == ["INSERT"]
    async with unit_of_work(probe) as session:
        assert await session.all(select(PROBE.c.value)) == [1]


async def test_a_read_that_fails_after_a_write_committed_does_not_say_nothing_was_stored(
    probe: Database,
) -> None:
    async def too_slow(self: Connection, query: str, *args: object) -> None:
        raise TimeoutError  # what asyncpg raises for a statement past its timeout

    with pytest.raises(UnavailableError) as raised:
        async with unit_of_work(probe) as session:
            await session.execute(PROBE.insert().values(value=1), last=True)
            with patch.object(Connection, "fetch", too_slow):
                await session.all(select(PROBE.c.value))
    assert "nothing was stored" not in str(raised.value)
    async with unit_of_work(probe) as session:
        assert await session.all(select(PROBE.c.value)) == [1]


async def test_no_write_runs_after_the_last_one(probe: Database) -> None:
    """It committed on its own: a later write would not be part of it. Reads may follow."""
    with pytest.raises(RuntimeError, match="last=True"):
        async with unit_of_work(probe) as session:
            await session.execute(PROBE.insert().values(value=1), last=True)
            assert await session.all(select(PROBE.c.value)) == [1]
            await session.execute(PROBE.insert().values(value=2))
    async with unit_of_work(probe) as session:
        assert await session.all(select(PROBE.c.value)) == [1]


async def test_writes_share_one_transaction_opened_at_the_first(
    probe: Database, sent: list[str]
) -> None:
    """Reads before the first write need none; the writes roll back together."""
    with pytest.raises(RuntimeError):
        async with unit_of_work(probe) as session:
            await session.first(select(literal(1)))
            await session.execute(PROBE.insert().values(value=1))
            await session.execute(PROBE.insert().values(value=2), last=True)
            raise RuntimeError("the handler failed")
    assert sent == ["BEGIN", "INSERT", "INSERT", "ROLLBACK"]
    async with unit_of_work(probe) as session:
        assert await session.all(select(PROBE.c.value)) == []


def probe_app(database: Database, *, added: bool) -> FastAPI:
    """An app whose one route stores a value in two writes, then answers 204 or, with
    `?refuse=true`, a 409; its router added by `add_routes` or by FastAPI's `include_router`."""
    router = APIRouter()

    @router.post("/probe/{value}", status_code=204)
    async def store(value: int, session: SessionDep, refuse: bool = False) -> None:
        await session.execute(PROBE.insert().values(value=value))
        await session.execute(PROBE.insert().values(value=-value))
        if refuse:
            raise ConflictError("refused after writing")

    app = FastAPI()
    app.state.database = database
    register_exception_handlers(app)
    if added:
        add_routes(app, router)
    else:
        app.include_router(router)
    return app


async def stored(database: Database) -> list[int]:
    async with unit_of_work(database) as session:
        return sorted(await session.all(select(PROBE.c.value)))


async def test_a_route_commits_before_answering_and_rolls_back_an_error_answer(
    probe: Database, sent: list[str]
) -> None:
    transport = ASGITransport(app=probe_app(probe, added=True))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/probe/1")).status_code == 204
        assert sent[-1] == "COMMIT"
        assert (await client.post("/probe/2", params={"refuse": True})).status_code == 409
        assert sent[-1] == "ROLLBACK"
    assert await stored(probe) == [-1, 1]


async def test_a_session_on_a_route_that_would_not_commit_it_is_refused(probe: Database) -> None:
    """A router included by FastAPI's `include_router` has routes that do not end a unit of
    work: taking one there fails loudly rather than answer 204 for writes never committed."""
    transport = ASGITransport(app=probe_app(probe, added=False), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/probe/1")).status_code == 500
    assert await stored(probe) == []
