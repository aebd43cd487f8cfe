"""PostgreSQL: the async engine with its pool, sessions, and translation of driver errors."""

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.errors import ConflictError, InvalidReferenceError, UnavailableError

logger = logging.getLogger(__name__)

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine whose pool size and timeouts come from settings, so a slow or absent
    database makes requests fail fast instead of piling up."""
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        # No ping before each checkout (it costs a round trip per request): a connection
        # found dead fails its request with 503 and the pool replaces all its connections.
        pool_pre_ping=False,
        connect_args={
            "timeout": settings.database_connect_timeout,
            "command_timeout": settings.database_statement_timeout,
        },
    )
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _unreachable)
    return engine


UNREACHABLE = "the database is unavailable right now; try again shortly"


def _connect(
    dialect: Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
) -> DBAPIConnection:
    """Connect as the dialect would; the driver's socket errors (refused, unknown host,
    timed out) become an `UnavailableError` here, so they are never confused with other
    network failures of the app."""
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as error:
        logger.warning("cannot connect to PostgreSQL: %s", type(error).__name__)
        raise UnavailableError(UNREACHABLE) from error


def _unreachable(context: ExceptionContext) -> BaseException | None:
    """A statement that timed out or lost its connection: the database, not the request."""
    if isinstance(context.original_exception, OSError | TimeoutError):
        return UnavailableError(UNREACHABLE)
    return None


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so responses need no extra queries."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same pool in autocommit mode, for reads that need no transaction."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def flush(session: AsyncSession) -> None:
    """Send pending changes now, turning constraint violations into domain errors."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise _domain_error(error) from error


async def ensure_exists(
    session: AsyncSession, model: type[SQLModel], key: int, *, field: str
) -> None:
    """Refuse input whose `field` points at a `model` row that does not exist."""
    if await session.get(model, key) is None:
        raise InvalidReferenceError(f"{field}: {model.__name__} {key} does not exist", field=field)


def _domain_error(error: IntegrityError) -> ConflictError | InvalidReferenceError:
    cause = error.orig.__cause__ if error.orig is not None else None
    state = getattr(error.orig, "sqlstate", None)
    constraint = str(getattr(cause, "constraint_name", "") or "")
    table = str(getattr(cause, "table_name", "") or "")
    detail = str(getattr(cause, "detail", "") or "")
    if state == UNIQUE_VIOLATION:
        field = constraint.removeprefix(f"uq_{table}_")
        return ConflictError(f"{field}: this value is already taken", field=field)
    if state == FOREIGN_KEY_VIOLATION and "still referenced" in detail:
        return ConflictError(f"still referenced by rows of {table}; delete those first")
    if state == FOREIGN_KEY_VIOLATION:
        return InvalidReferenceError(f"a referenced row does not exist ({constraint})")
    logger.error("unexpected integrity error: %s", state)
    raise error
