"""The error answers routes document in the OpenAPI schema, with their bodies.

Validation errors (422) are documented by FastAPI itself; domain errors that answer 422
use the same shape (see `app.api.errors`).
"""

from typing import Any

from fastapi import status
from pydantic import BaseModel

from app.models.idempotency import KEY_PATTERN


class Problem(BaseModel):
    """The body of every error answer but a validation error's."""

    detail: str
    """What went wrong, in a sentence."""
    field: str | None = None
    """The input field the problem concerns, when there is one (a unique value taken)."""


DESCRIPTIONS = {
    status.HTTP_400_BAD_REQUEST: "The body could not be read (not UTF-8 JSON)",
    status.HTTP_401_UNAUTHORIZED: "No valid credentials: sign in at POST /auth/token and send the token as Authorization: Bearer <token>",
    status.HTTP_403_FORBIDDEN: "Signed in, but only administrators may do this",
    status.HTTP_404_NOT_FOUND: "Nothing with this id",
    status.HTTP_409_CONFLICT: "The change clashes with stored data: a unique value taken, a reference to nothing, a row still referenced",
    status.HTTP_413_CONTENT_TOO_LARGE: "The request body is larger than MAX_BODY_BYTES",
    status.HTTP_429_TOO_MANY_REQUESTS: "Too many requests of this kind; retry after Retry-After seconds",
    status.HTTP_502_BAD_GATEWAY: "The model provider failed",
    status.HTTP_503_SERVICE_UNAVAILABLE: "A database (or the model) is unavailable; the detail says whether anything was stored. Retry after Retry-After seconds",
    status.HTTP_504_GATEWAY_TIMEOUT: "The run took longer than allowed",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer `codes`: JSON whatever the route's own
    media type (a stream's errors come before the stream)."""
    content = {"application/json": {"schema": Problem.model_json_schema()}}
    return {code: {"description": DESCRIPTIONS[code], "content": content} for code in codes}


IDEMPOTENT: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": KEY_PATTERN},
            "description": "Send the same key again to retry a create safely: the first answer "
            "is returned and nothing is stored twice",
        }
    ]
}
"""The `openapi_extra` of a create route: the header `app.api.deps.get_idempotency_key` reads."""
