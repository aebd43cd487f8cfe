"""The one place where failures become HTTP responses.

Every error answer is JSON of a shape the OpenAPI schema documents (`app.api.responses`),
and never echoes the input back: a value the client sent may not even be encodable (NaN,
a lone surrogate). A 503 says whether the change was stored, when that is known.
"""

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure, PyMongoError, ServerSelectionTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from app.core.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidReferenceError,
    LimitExceededError,
    NotAuthenticatedError,
    NotFoundError,
    RateLimitedError,
    RefusedError,
    UnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    # The reference is well-formed; what it names is missing from the stored data.
    InvalidReferenceError: status.HTTP_409_CONFLICT,
    UnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    UpstreamError: status.HTTP_502_BAD_GATEWAY,
    UpstreamTimeoutError: status.HTTP_504_GATEWAY_TIMEOUT,
    RefusedError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    LimitExceededError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotAuthenticatedError: status.HTTP_401_UNAUTHORIZED,
    ForbiddenError: status.HTTP_403_FORBIDDEN,
    RateLimitedError: status.HTTP_429_TOO_MANY_REQUESTS,
}

# PostgreSQL drivers' errors that mean "the database cannot serve this right now", not "this
# request is wrong". (Socket errors while connecting become UnavailableError in app.db.postgres;
# MongoDB's are ConnectionFailure.)
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)

UNAVAILABLE = "the database is unavailable right now; try again shortly"
NOTHING_STORED = "the database is unavailable right now; nothing was stored, try again shortly"
RETRY_AFTER_SECONDS = "5"
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ErrorResponse(JSONResponse):
    """JSON with non-ASCII characters escaped, so an error body always encodes."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_status(error: DomainError) -> int:
    """The HTTP status of a domain error (400 for one not in the table)."""
    return next(
        (code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )


def problem(
    code: int, detail: str, *, field: str | None = None, retry: bool = False
) -> ErrorResponse:
    """The answer for a failure: `{"detail"}`, with `field` when one input caused it."""
    body = {"detail": detail} if field is None else {"detail": detail, "field": field}
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if retry else None
    return ErrorResponse(status_code=code, content=body, headers=headers)


def invalid(errors: list[dict[str, Any]]) -> ErrorResponse:
    """422 in the shape FastAPI documents for validation errors: where, why and which rule."""
    return ErrorResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors}
    )


async def handle_validation_error(request: Request, error: RequestValidationError) -> ErrorResponse:
    return invalid(
        [
            {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
            for item in error.errors()
        ]
    )


async def handle_domain_error(request: Request, error: DomainError) -> ErrorResponse:
    code = error_status(error)
    if code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        where = ["body", error.field] if error.field else ["body"]
        return invalid([{"loc": where, "msg": error.message, "type": _kind(error)}])
    if isinstance(error, NotAuthenticatedError):
        # RFC 9110: a 401 names the scheme that would let the request in.
        headers = {"WWW-Authenticate": "Bearer"}
        return ErrorResponse(status_code=code, content={"detail": error.message}, headers=headers)
    if isinstance(error, RateLimitedError):
        headers = {"Retry-After": str(error.retry_after)}
        return ErrorResponse(status_code=code, content={"detail": error.message}, headers=headers)
    return problem(
        code, error.message, field=error.field, retry=isinstance(error, UnavailableError)
    )


def _kind(error: DomainError) -> str:
    """`LimitExceededError` -> `limit_exceeded`: the `type` of a validation error."""
    name = type(error).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


async def handle_database_unavailable(request: Request, error: Exception) -> ErrorResponse:
    logger.error(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    if request.method in READS:
        return problem(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE, retry=True)
    return problem(status.HTTP_503_SERVICE_UNAVAILABLE, NOTHING_STORED, retry=True)


async def handle_database_error(request: Request, error: DBAPIError) -> ErrorResponse:
    """A driver error: unreachable database -> 503; anything else is a bug -> 500, logged."""
    if error.connection_invalidated:
        return await handle_database_unavailable(request, error)
    logger.exception("database error on %s %s", request.method, request.url.path)
    return problem(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


async def handle_mongo_unavailable(request: Request, error: ConnectionFailure) -> ErrorResponse:
    """MongoDB unreachable: nothing was stored if no server was found; a write that went out
    and got no answer may have been applied."""
    if request.method in READS or isinstance(error, ServerSelectionTimeoutError):
        return await handle_database_unavailable(request, error)
    logger.error(
        "mongodb lost during %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return problem(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "MongoDB did not confirm the change: it may or may not have been applied; "
        "retry with the same Idempotency-Key",
        retry=True,
    )


async def handle_mongo_error(request: Request, error: PyMongoError) -> ErrorResponse:
    """A MongoDB error no service expected: a bug, logged with its type and answered 500."""
    logger.error(
        "mongodb error on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return problem(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


async def handle_http_error(request: Request, error: HTTPException) -> ErrorResponse:
    """Starlette's own answers (unknown path, wrong method) as JSON; a 405 lists every
    method the path takes, not only those of the first route that matched it."""
    headers = dict(error.headers or {})
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return ErrorResponse(
        status_code=error.status_code, content={"detail": error.detail}, headers=headers
    )


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the request's path (HEAD wherever GET is);
    a literal path (`/orders/stats`) has its own, not those of a template it also fits
    (`/orders/{order_id}`), as its routes come first."""
    paths = request.app.openapi()["paths"]
    if request.url.path in paths:
        paths = {request.url.path: paths[request.url.path]}
    methods: set[str] = set()
    for template, operations in paths.items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def register_exception_handlers(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(handle_validation_error)
    app.exception_handler(HTTPException)(handle_http_error)
    app.exception_handler(DomainError)(handle_domain_error)
    app.exception_handler(ConnectionFailure)(handle_mongo_unavailable)
    for error_type in DATABASE_UNAVAILABLE:
        app.exception_handler(error_type)(handle_database_unavailable)
    app.exception_handler(DBAPIError)(handle_database_error)
    app.exception_handler(PyMongoError)(handle_mongo_error)
