"""The data path under contention: a fair, bounded wait for connections, and sessions that
commit, roll back and read as promised."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import DateTime, column, literal, table
from sqlmodel import select

from app.core.errors import UnavailableError
from app.db.postgres import Database
from app.db.session import Session, unit_of_work


@pytest.fixture
async def one_connection(app: FastAPI) -> AsyncIterator[Database]:
    """A pool of one connection whose waiters give up after a fifth of a second."""
    settings = app.state.settings.model_copy(
        update={"database_pool_size": 1, "database_pool_timeout": 0.2}
    )
    database = Database(settings)
    await database.open()
    yield database
    await database.close()


async def test_waiting_for_a_connection_is_first_come_first_served(
    one_connection: Database,
) -> None:
    served: list[int] = []

    async def request(number: int) -> None:
        connection = await one_connection.acquire(writes=False)
        served.append(number)
        await one_connection.release(connection)

    held = await one_connection.acquire(writes=False)
    waiting = []
    for number in range(5):
        waiting.append(asyncio.create_task(request(number)))
        await asyncio.sleep(0.01)  # each one is in line before the next arrives
    await one_connection.release(held)
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
        await one_connection.release(held)
    connection = await one_connection.acquire(writes=False)  # the line moves on
    await one_connection.release(connection)


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
