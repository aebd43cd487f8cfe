"""The one place where failures become HTTP responses."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure, PyMongoError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.errors import (
    ConflictError,
    DomainError,
    InvalidReferenceError,
    LimitExceededError,
    NotFoundError,
    RefusedError,
    UnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    InvalidReferenceError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    UnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    UpstreamError: status.HTTP_502_BAD_GATEWAY,
    UpstreamTimeoutError: status.HTTP_504_GATEWAY_TIMEOUT,
    RefusedError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    LimitExceededError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}

# Database drivers' errors that mean "the database cannot serve this right now", not "this
# request is wrong". (Socket errors while connecting become UnavailableError in app.db.postgres.)
DATABASE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionFailure,
)

UNAVAILABLE_MESSAGE = "the database is unavailable right now; try again shortly"
RETRY_AFTER_SECONDS = "5"


def error_status(error: DomainError) -> int:
    """The HTTP status of a domain error (400 for one not in the table)."""
    return next(
        (code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )


async def handle_domain_error(request: Request, error: DomainError) -> JSONResponse:
    body: dict[str, str] = {"detail": error.message}
    if error.field:
        body["field"] = error.field
    retry = {"Retry-After": RETRY_AFTER_SECONDS} if isinstance(error, UnavailableError) else None
    return JSONResponse(status_code=error_status(error), content=body, headers=retry)


async def handle_database_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.error(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": UNAVAILABLE_MESSAGE},
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def handle_database_error(request: Request, error: DBAPIError) -> JSONResponse:
    """A driver error: unreachable database -> 503; anything else is a bug -> 500, logged."""
    if error.connection_invalidated:
        return await handle_database_unavailable(request, error)
    logger.exception("database error on %s %s", request.method, request.url.path)
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content={"detail": "internal error"},
    )


async def handle_mongo_error(request: Request, error: PyMongoError) -> JSONResponse:
    """A MongoDB error no service expected: a bug, logged with its type and answered 500."""
    logger.error(
        "mongodb error on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content={"detail": "internal error"},
    )


def register_exception_handlers(app: FastAPI) -> None:
    app.exception_handler(DomainError)(handle_domain_error)
    for error_type in DATABASE_UNAVAILABLE:
        app.exception_handler(error_type)(handle_database_unavailable)
    app.exception_handler(DBAPIError)(handle_database_error)
    app.exception_handler(PyMongoError)(handle_mongo_error)
