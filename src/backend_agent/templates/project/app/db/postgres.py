"""PostgreSQL: the connection pool, a fair line to wait for it, and what driver errors mean.

Each process (each uvicorn worker) keeps up to `database_pool_size` asyncpg connections,
opened when first needed. Requests that find them all busy wait in line, first come first
served, for at most `database_pool_timeout` seconds, then get 503 with Retry-After: a burst
is served in order, so no request waits much longer than the others (a pool that lets late
arrivals overtake gives some requests a wait of seconds).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg
from asyncpg import Record
from asyncpg.exceptions import (
    ForeignKeyViolationError,
    InsufficientResourcesError,
    OperatorInterventionError,
    PostgresConnectionError,
    TransactionRollbackError,
    UniqueViolationError,
)
from sqlalchemy.engine import make_url

from app.core.config import PostgresSettings
from app.core.errors import ConflictError, DomainError, InvalidReferenceError, UnavailableError

logger = logging.getLogger(__name__)

Connection: TypeAlias = "asyncpg.Connection[Record]"

UNAVAILABLE = "the database is unavailable right now; try again shortly"
NOTHING_STORED = "the database is unavailable right now; nothing was stored, try again shortly"
OUTCOME_UNKNOWN = (
    "the database did not confirm the change: it may or may not have been applied; "
    "read it back, or retry with the same Idempotency-Key"
)
TRANSIENT = (
    OSError,
    TimeoutError,
    PostgresConnectionError,
    OperatorInterventionError,
    InsufficientResourcesError,
    TransactionRollbackError,
)
"""Failures of the database, not of the request: unreachable, restarting, out of
connections, a statement past its timeout, a deadlock. Retrying later may work."""


class Database:
    """The connections of one process, and the line requests wait in for them.

    asyncpg's pool would do, at ~20 us more CPU a request (its queue lets late arrivals
    overtake, so it needs a line in front of it; it starts a task to take each connection
    back): this is the part of it the app uses, a stack of free connections and a line of
    futures."""

    def __init__(self, settings: PostgresSettings) -> None:
        url = make_url(settings.database_url.get_secret_value()).set(drivername="postgresql")
        self._url = url.render_as_string(hide_password=False)
        self._connect_timeout = settings.database_connect_timeout
        self._statement_timeout = settings.database_statement_timeout
        self._wait = settings.database_pool_timeout
        self._free: list[Connection | None] = [None] * settings.database_pool_size
        """Connections nobody holds, the last used on top (None: not opened yet, as all are
        at start-up: the app starts while PostgreSQL is down)."""
        self._line: deque[tuple[float, asyncio.Future[Connection | None]]] = deque()
        """Requests waiting for a connection, first come first served, with their deadlines."""
        self._timer: asyncio.TimerHandle | None = None
        """One timer for the whole line, due at its head's deadline (the earliest)."""
        self._generation_of: dict[Connection, int] = {}
        """Every open connection, with the generation it was opened in."""
        self._generation = 0
        self._closed = False

    async def close(self) -> None:
        """Close every connection; the app takes no new ones after this."""
        self._closed = True
        connections, self._generation_of = list(self._generation_of), {}
        closing = (c.close(timeout=self._connect_timeout) for c in connections)
        await asyncio.gather(*closing, return_exceptions=True)

    async def acquire(self, *, writes: bool) -> Connection:
        """A connection, after waiting in line for it (`writes`: the request changes data,
        so a 503 says nothing was stored). Give it back with `release`."""
        if self._free and not self._line:
            connection = self._free.pop()
        else:
            connection = await self._wait_in_line(writes=writes)
        if connection is not None:
            current = self._generation_of.get(connection) == self._generation
            if current and not connection.is_closed():
                return connection
            self._discard(connection)
        try:
            return await self._connect()
        except BaseException as error:
            self._give_back(None)
            if isinstance(error, (*TRANSIENT, asyncpg.PostgresError)):  # refused, no database...
                raise self.unavailable(error, writes=writes) from error
            raise

    def release(self, connection: Connection) -> None:
        """Give back a connection `acquire` lent; one left in a transaction is closed (its
        changes roll back), never lent again."""
        if connection.is_closed() or connection.is_in_transaction():
            self._discard(connection)
            self._give_back(None)
        else:
            self._give_back(connection)

    @asynccontextmanager
    async def connection(self, *, writes: bool) -> AsyncIterator[Connection]:
        """`acquire` and `release` around a block."""
        connection = await self.acquire(writes=writes)
        try:
            yield connection
        finally:
            self.release(connection)

    async def _connect(self) -> Connection:
        if self._closed:
            raise UnavailableError("the app is shutting down; try again shortly")
        connection: Connection = await asyncpg.connect(
            self._url, timeout=self._connect_timeout, command_timeout=self._statement_timeout
        )
        try:
            await _set_codecs(connection)
        except BaseException:
            connection.terminate()
            raise
        self._generation_of[connection] = self._generation
        return connection

    def _discard(self, connection: Connection) -> None:
        self._generation_of.pop(connection, None)
        if not connection.is_closed():
            connection.terminate()

    def _give_back(self, connection: Connection | None) -> None:
        """To the first in line still waiting, or to the free ones."""
        while self._line:
            _, waiter = self._line.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._free.append(connection)

    async def _wait_in_line(self, *, writes: bool) -> Connection | None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Connection | None] = loop.create_future()
        deadline = loop.time() + self._wait
        self._line.append((deadline, waiter))
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._end_overdue_waits)
        try:
            return await waiter
        except TimeoutError:
            logger.warning("no database connection was free within %g s", self._wait)
            stored = "nothing was stored, " if writes else ""
            raise UnavailableError(
                f"the database is busy: no connection was free within {self._wait:g} s; "
                f"{stored}try again shortly"
            ) from None
        except BaseException:  # cancelled, maybe after it was handed a connection
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._give_back(waiter.result())
            raise

    def _end_overdue_waits(self) -> None:
        """Answer the waits past their deadline, then set the timer for the next one."""
        loop = asyncio.get_running_loop()
        self._timer = None
        while self._line:
            deadline, waiter = self._line[0]
            if not waiter.done() and deadline > loop.time():
                self._timer = loop.call_at(deadline, self._end_overdue_waits)
                return
            self._line.popleft()
            if not waiter.done():
                waiter.set_exception(TimeoutError())

    async def ping(self) -> None:
        """Run `SELECT 1`; raises `UnavailableError` when the database cannot serve it."""
        async with self.connection(writes=False) as connection:
            try:
                await connection.fetchval("SELECT 1")
            except TRANSIENT as error:
                raise self.unavailable(error, writes=False) from error

    def unavailable(
        self, error: BaseException, *, writes: bool, message: str | None = None
    ) -> UnavailableError:
        """The 503 for a failure of the database; a connection lost means all may be: each
        connection open now is replaced at its next use. (A statement past its timeout
        loses none: asyncpg cancels it and the connection serves the next.)"""
        logger.warning("PostgreSQL unavailable: %s", type(error).__name__)
        lost = isinstance(error, OSError | PostgresConnectionError | OperatorInterventionError)
        if lost and not isinstance(error, TimeoutError):  # TimeoutError is an OSError
            self._generation += 1
        return UnavailableError(message or (NOTHING_STORED if writes else UNAVAILABLE))


async def _set_codecs(connection: Connection) -> None:
    """json and jsonb values in and out as Python objects, as SQLAlchemy's asyncpg dialect
    sets them up (its types hand over JSON text)."""
    await connection.set_type_codec(
        "json", encoder=str, decoder=_load_json, schema="pg_catalog", format="text"
    )
    await connection.set_type_codec(
        "jsonb", encoder=str, decoder=_load_json, schema="pg_catalog", format="text"
    )


def _load_json(text: str) -> object:
    return json.loads(text)


def domain_error(error: asyncpg.PostgresError) -> DomainError | None:
    """The domain error a constraint violation means; None for any other error."""
    constraint = str(getattr(error, "constraint_name", "") or "")
    table = str(getattr(error, "table_name", "") or "")
    detail = str(getattr(error, "detail", "") or "")
    if isinstance(error, UniqueViolationError):
        field = constraint.removeprefix(f"uq_{table}_")
        return ConflictError(f"{field}: this value is already taken", field=field)
    if isinstance(error, ForeignKeyViolationError) and "still referenced" in detail:
        return ConflictError(f"still referenced by rows of {table}; delete those first")
    if isinstance(error, ForeignKeyViolationError):
        return InvalidReferenceError(f"a referenced row does not exist ({constraint})")
    return None
