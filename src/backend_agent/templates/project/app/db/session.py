"""The unit of work of one request: SQLModel statements run on a pooled connection.

A session that writes (`SessionDep`) takes a connection at its first statement and keeps it
until `commit()` or `rollback()`, opening a transaction before its first write: the
request's route commits once after the handler, before the response is sent, and
rolls back on any error. Reads before the first write need no transaction: at PostgreSQL's
isolation level (read committed) each statement sees what was committed when it started,
in a transaction or not. A write marked `last=True` (nothing follows it: most creates,
updates and deletes) opens no transaction either: PostgreSQL commits it as it runs, all of
it or nothing, in one round trip where BEGIN, the statement and COMMIT take three, and its
connection goes back as soon as it has answered (reads after it take their own).
A read session (`ReadSessionDep`) runs each statement on its own and gives the connection
back at once: it holds none while its response is written.

Statements are SQLModel's and SQLAlchemy's (`select`, `insert`, `update`, `delete`), compiled
once per shape (`app.db.statements`); a violated constraint becomes a domain error (409), an
unreachable database `UnavailableError` (503).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar, overload

import asyncpg
from pydantic import BaseModel
from sqlalchemy import Select, bindparam
from sqlalchemy.exc import NoResultFound
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import ReturningDelete, ReturningInsert, ReturningUpdate
from sqlmodel import select
from sqlmodel.sql.expression import SelectOfScalar

from app.core.errors import InvalidReferenceError
from app.db.postgres import OUTCOME_UNKNOWN, TRANSIENT, Connection, Database, domain_error
from app.db.statements import Prepared, prepare, primary_key_columns

T = TypeVar("T")
R = TypeVar("R")
Schema = TypeVar("Schema", bound=BaseModel)
Returning: TypeAlias = "SelectOfScalar[T] | Select[T] | ReturningInsert[T] | ReturningUpdate[T] | ReturningDelete[T]"
"""A statement whose rows are one model (`select(User)`, `... .returning(User)`) or one value."""

_by_key: dict[type[Any], SelectOfScalar[Any]] = {}


class Session:
    """Runs the statements of one request, one at a time (like any database session: its
    statements share a connection); see the module's docstring."""

    def __init__(self, database: Database, *, writes: bool) -> None:
        self._database = database
        self._writes = writes
        self._connection: Connection | None = None
        """The connection of a session that writes, from its first statement to its end."""
        self._in_transaction = False
        """BEGIN was sent: COMMIT or ROLLBACK ends the unit of work."""
        self._ended = False
        """A write marked `last` ran: the unit of work takes no more writes (reads may follow)."""

    @overload
    async def get(self, model: type[T], key: object, *, into: None = None) -> T | None: ...

    @overload
    async def get(self, model: type[Any], key: object, *, into: type[Schema]) -> Schema | None: ...

    async def get(
        self, model: type[Any], key: object, *, into: type[BaseModel] | None = None
    ) -> Any:
        """The row of `model` whose primary key is `key` (a tuple, in the order of the
        columns, for a key of several columns), or None; `into`: see `all`."""
        statement = _by_key.get(model)
        if statement is None:
            columns = primary_key_columns(model)
            statement = select(model).where(
                *(column == bindparam(f"key{n}") for n, column in enumerate(columns))
            )
            _by_key[model] = statement
        values = key if isinstance(key, tuple) else (key,)
        params = {f"key{n}": value for n, value in enumerate(values)}
        return await self.first(statement, params, into=into)

    @overload
    async def all(
        self,
        statement: Returning[T],
        params: Mapping[str, object] | None = None,
        *,
        into: None = None,
        last: bool = False,
    ) -> list[T]: ...

    @overload
    async def all(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[Schema],
        last: bool = False,
    ) -> list[Schema]: ...

    async def all(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[BaseModel] | None = None,
        last: bool = False,
    ) -> list[Any]:
        """Every row `statement` returns; `params` are values of its `bindparam`s, or the
        columns of an `insert(Model)` that has no `.values(...)`. With `into` (a response
        schema such as `UserRead`), each row is validated straight into it: a page of rows
        then builds no table models it would only convert. `last`: see `first`."""
        prepared = prepare(statement, params)
        rows = await self._run(prepared, lambda c: c.fetch(prepared.sql, *prepared.args), last)
        if into is not None:
            fields = prepared.compiled.fields
            return [into.model_validate(fields(row)) for row in rows]
        load = prepared.compiled.load
        return [load(row) for row in rows]

    @overload
    async def first(
        self,
        statement: Returning[T],
        params: Mapping[str, object] | None = None,
        *,
        into: None = None,
        last: bool = False,
    ) -> T | None: ...

    @overload
    async def first(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[Schema],
        last: bool = False,
    ) -> Schema | None: ...

    async def first(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[BaseModel] | None = None,
        last: bool = False,
    ) -> Any:
        """The first row `statement` returns, or None; `into`: see `all`. `last=True`: no
        write follows it in this unit of work (a later one is a programming error); with
        none before it either, it runs on its own, committed as it runs."""
        prepared = prepare(statement, params)
        row = await self._run(prepared, lambda c: c.fetchrow(prepared.sql, *prepared.args), last)
        if row is None:
            return None
        if into is not None:
            return into.model_validate(prepared.compiled.fields(row))
        return prepared.compiled.load(row)

    @overload
    async def one(
        self,
        statement: Returning[T],
        params: Mapping[str, object] | None = None,
        *,
        into: None = None,
        last: bool = False,
    ) -> T: ...

    @overload
    async def one(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[Schema],
        last: bool = False,
    ) -> Schema: ...

    async def one(
        self,
        statement: Returning[Any],
        params: Mapping[str, object] | None = None,
        *,
        into: type[BaseModel] | None = None,
        last: bool = False,
    ) -> Any:
        """The row `statement` returns, e.g. `insert(User).returning(User)` with the new row's
        values as `params`; raises `NoResultFound` if there is none. `into`: see `all`;
        `last`: see `first`."""
        found = await self.first(statement, params, into=into, last=last)
        if found is None:
            raise NoResultFound("the statement returned no row")
        return found

    async def execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, object] | None = None,
        *,
        last: bool = False,
    ) -> int:
        """Run `statement`; returns how many rows it changed (UPDATE, DELETE, INSERT).
        `last`: see `first`."""
        prepared = prepare(statement, params)
        status = await self._run(
            prepared, lambda c: c.execute(prepared.sql, *prepared.args), last
        )
        count = str(status).rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def commit(self) -> None:
        """Make the changes permanent and end the unit of work. A commit whose answer was
        lost raises `UnavailableError`: whether it was applied cannot be known."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if not self._in_transaction:  # reads only, or a write that committed itself
            self._database.release(connection)
            return
        self._in_transaction = False
        try:
            await connection.execute("COMMIT")
        except BaseException as error:
            connection.terminate()  # in an unknown state: the pool replaces it
            if isinstance(error, asyncpg.PostgresError) and (meaning := domain_error(error)):
                raise meaning from error  # a deferred constraint: the server rolled back
            if isinstance(error, (*TRANSIENT, asyncpg.InterfaceError)):
                raise self._database.unavailable(
                    error, writes=True, message=OUTCOME_UNKNOWN
                ) from error
            raise
        finally:
            self._database.release(connection)

    async def rollback(self) -> None:
        """Forget the changes and end the unit of work (a lost connection forgets them too)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        in_transaction, self._in_transaction = self._in_transaction, False
        try:
            if in_transaction and not connection.is_closed():
                await connection.execute("ROLLBACK")
        except Exception:  # the error being handled matters, not this one
            connection.terminate()
        finally:
            self._database.release(connection)

    async def _run(
        self, prepared: Prepared, call: Callable[[Connection], Awaitable[R]], last: bool = False
    ) -> R:
        if self._ended and prepared.compiled.transactional:
            raise RuntimeError("a write after the unit of work's last one (marked last=True)")
        if self._connection is None and (self._ended or not self._writes):
            if prepared.compiled.writes:
                raise TypeError("a read session cannot change data: use SessionDep")
            connection = await self._database.acquire(writes=False)
            try:
                return await self._call(connection, call)
            finally:
                self._database.release(connection)
        self._ended = self._ended or last
        if self._connection is None:
            self._connection = await self._database.acquire(writes=True)
        connection = self._connection
        if prepared.compiled.transactional and not self._in_transaction:
            if last:  # committed as it runs (a lost answer leaves its outcome unknown): the
                # unit of work needs its connection no longer; reads after it take their own
                self._connection = None
                try:
                    return await self._call(connection, call, commits=True)
                finally:
                    self._database.release(connection)
            await self._call(connection, lambda c: c.execute("BEGIN"))
            self._in_transaction = True
        return await self._call(connection, call)

    async def _call(
        self,
        connection: Connection,
        call: Callable[[Connection], Awaitable[R]],
        *,
        commits: bool = False,
    ) -> R:
        """Run `call`, turning what the database answered into domain errors (`commits`:
        the statement commits itself, so a lost answer leaves its outcome unknown)."""
        try:
            return await call(connection)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, *TRANSIENT) as error:
            if isinstance(error, asyncpg.PostgresError) and (meaning := domain_error(error)):
                raise meaning from error
            if isinstance(error, TRANSIENT) or connection.is_closed():
                lost = commits and not isinstance(error, asyncpg.PostgresError)
                # "nothing was stored" holds until a write commits itself
                uncommitted = self._writes and (self._in_transaction or not self._ended)
                raise self._database.unavailable(
                    error, writes=uncommitted, message=OUTCOME_UNKNOWN if lost else None
                ) from error
            raise


@asynccontextmanager
async def unit_of_work(database: Database) -> AsyncIterator[Session]:
    """A session that writes: committed when the block ends, rolled back if it raises.

    Each request gets one (`SessionDep`); scripts and tests open their own.
    """
    session = Session(database, writes=True)
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()


async def ensure_exists(session: Session, model: type[Any], key: int, *, field: str) -> None:
    """Refuse input whose `field` points at a `model` row that does not exist (or that is
    deleted, for a model with soft delete)."""
    row = await session.get(model, key)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise InvalidReferenceError(f"{field}: {model.__name__} {key} does not exist", field=field)


async def ensure_all_exist(
    session: Session, model: type[Any], keys: Iterable[int | None], *, field: str
) -> None:
    """Refuse a bulk input whose items point at `model` rows that do not exist, naming the
    first such item (`3.customer_id`); each distinct key is looked up once."""
    checked: set[int] = set()
    for index, key in enumerate(keys):
        if key is not None and key not in checked:
            await ensure_exists(session, model, key, field=f"{index}.{field}")
            checked.add(key)
