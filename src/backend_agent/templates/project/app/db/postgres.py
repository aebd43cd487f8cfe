"""PostgreSQL: the connection pool, a fair line to wait for it, and what driver errors mean.

Each process (each uvicorn worker) keeps one asyncpg pool of `database_pool_size`
connections. Requests that find them all busy wait in line, first come first served, for at
most `database_pool_timeout` seconds, then get 503 with Retry-After: a burst is served in
order, so no request waits much longer than the others (a pool that lets late arrivals
overtake gives some requests a wait of seconds).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import TypeAlias
from contextlib import asynccontextmanager

import asyncpg
from asyncpg import Pool, Record
from asyncpg.pool import PoolConnectionProxy
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

Connection: TypeAlias = "PoolConnectionProxy[Record]"
"""A connection lent by the pool."""

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
    """The pool of one process, and the line requests wait in for its connections."""

    def __init__(self, settings: PostgresSettings) -> None:
        url = make_url(settings.database_url.get_secret_value()).set(drivername="postgresql")
        self._pool: Pool[Record] = asyncpg.create_pool(
            url.render_as_string(hide_password=False),
            # Connections are made on first use: the app starts while PostgreSQL is down.
            min_size=0,
            max_size=settings.database_pool_size,
            timeout=settings.database_connect_timeout,
            command_timeout=settings.database_statement_timeout,
            init=_set_codecs,
            # Sessions end their transaction before they give a connection back and never
            # change its settings: there is nothing to reset (asyncpg's default costs a round trip).
            reset=_nothing_to_reset,
        )
        self._line = asyncio.Semaphore(settings.database_pool_size)
        self._wait = settings.database_pool_timeout

    async def open(self) -> None:
        await self._pool

    async def close(self) -> None:
        await self._pool.close()

    async def acquire(self, *, writes: bool) -> Connection:
        """A connection of the pool, after waiting in line for it (`writes`: the request
        changes data, so a 503 says nothing was stored). Give it back with `release`."""
        await self._wait_in_line(writes=writes)
        try:
            return await self._pool.acquire()
        except (*TRANSIENT, asyncpg.PostgresError) as error:  # refused, unknown database, ...
            self._line.release()
            raise await self.unavailable(error, writes=writes) from error
        except BaseException:
            self._line.release()
            raise

    async def release(self, connection: Connection) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._line.release()

    @asynccontextmanager
    async def connection(self, *, writes: bool) -> AsyncIterator[Connection]:
        """`acquire` and `release` around a block."""
        connection = await self.acquire(writes=writes)
        try:
            yield connection
        finally:
            await self.release(connection)

    async def _wait_in_line(self, *, writes: bool) -> None:
        if not self._line.locked():
            await self._line.acquire()  # free right now: no timer to set up
            return
        try:
            async with asyncio.timeout(self._wait):
                await self._line.acquire()
        except TimeoutError:
            logger.warning("no database connection was free within %g s", self._wait)
            stored = "nothing was stored, " if writes else ""
            raise UnavailableError(
                f"the database is busy: no connection was free within {self._wait:g} s; "
                f"{stored}try again shortly"
            ) from None

    async def ping(self) -> None:
        """Run `SELECT 1`; raises `UnavailableError` when the database cannot serve it."""
        async with self.connection(writes=False) as connection:
            try:
                await connection.fetchval("SELECT 1")
            except TRANSIENT as error:
                raise await self.unavailable(error, writes=False) from error

    async def unavailable(
        self, error: BaseException, *, writes: bool, message: str | None = None
    ) -> UnavailableError:
        """The 503 for a failure of the database; a connection lost means all may be: the
        pool replaces every connection on their next use."""
        logger.warning("PostgreSQL unavailable: %s", type(error).__name__)
        if isinstance(error, OSError | PostgresConnectionError | OperatorInterventionError):
            await self._pool.expire_connections()
        return UnavailableError(message or (NOTHING_STORED if writes else UNAVAILABLE))


async def _set_codecs(connection: "asyncpg.Connection[Record]") -> None:
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


async def _nothing_to_reset(connection: "asyncpg.Connection[Record]") -> None:
    return None


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
