"""Dependencies the routes declare: database sessions, MongoDB.

All are `async def`: FastAPI runs plain `def` dependencies in a thread pool, which costs
more than the work they do.
"""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from agents import Model
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pymongo.asynchronous.database import AsyncDatabase

from app.api.routing import open_unit_of_work
from app.core.config import Settings
from app.core.errors import UnavailableError
from app.db.mongo import IndexState
from app.db.postgres import Database
from app.db.session import Session, unit_of_work
from app.models.agents import AgentRunRequest
from app.models.idempotency import KEY_PATTERN, IdempotencyKey
from app.models.types import utc_now
from app.services import agents as agent_service


async def get_session(request: Request) -> Session:
    """The request's unit of work: its route commits it once the handler has answered, before
    the answer is sent, and rolls it back on an error (`app.api.routing.UnitOfWorkRoute`).
    A commit whose answer was lost may or may not have been applied, and the client is told so."""
    return open_unit_of_work(request)


async def get_read_session(request: Request) -> Session:
    """A session for requests that only read: each statement runs outside a transaction
    (no BEGIN and COMMIT round trips), and nothing is left to close after the response."""
    return Session(request.app.state.database, writes=False)


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_mongo_database(request: Request) -> AsyncDatabase[dict[str, Any]]:
    """The app's MongoDB database (its client and pool live as long as the app), once its
    indexes are in place: before that a missing unique index would let duplicates in."""
    indexes: IndexState = request.app.state.mongo_indexes
    if not indexes.built:
        raise UnavailableError(f"MongoDB is not ready ({indexes.problem}); try again shortly")
    return await get_unchecked_mongo_database(request)


async def get_unchecked_mongo_database(request: Request) -> AsyncDatabase[dict[str, Any]]:
    """The database whatever the state of its indexes: for the readiness check."""
    database: AsyncDatabase[dict[str, Any]] = request.app.state.mongo_database
    return database


async def get_index_state(request: Request) -> IndexState:
    indexes: IndexState = request.app.state.mongo_indexes
    return indexes


async def get_idempotency_key(request: Request) -> IdempotencyKey | None:
    """The client's `Idempotency-Key` for this create, kept as long as settings say.

    Read here rather than declared as a `Header` parameter: FastAPI's parameter machinery
    costs ~12 us a request for an optional header, as much as the create's own work in
    Python. Create routes document the header (`app.api.responses.IDEMPOTENT`)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise RequestValidationError(
            [
                {
                    "loc": ("header", "Idempotency-Key"),
                    "msg": "an Idempotency-Key is 1 to 255 visible ASCII characters",
                    "type": "string_pattern_mismatch",
                }
            ]
        )
    settings: Settings = request.app.state.settings
    return IdempotencyKey(key, utc_now() + timedelta(seconds=settings.idempotency_key_seconds))


SessionDep = Annotated[Session, Depends(get_session)]
IdempotencyKeyDep = Annotated[IdempotencyKey | None, Depends(get_idempotency_key)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
MongoDep = Annotated[AsyncDatabase[dict[str, Any]], Depends(get_mongo_database)]
UncheckedMongoDep = Annotated[AsyncDatabase[dict[str, Any]], Depends(get_unchecked_mongo_database)]
IndexStateDep = Annotated[IndexState, Depends(get_index_state)]


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_run_request(body: AgentRunRequest) -> AgentRunRequest:
    """A run's input, validated. The model depends on it, so a malformed request is a 422
    (a client error) even while no model is configured (503)."""
    return body


AgentRunDep = Annotated[AgentRunRequest, Depends(get_run_request)]


async def get_agent_model(request: Request, settings: SettingsDep, _run: AgentRunDep) -> Model:
    """The model agents run on, built from settings on first use and kept for the app's life.

    This is the seam for tests: they override it with an offline `agents.testing.ScriptedModel`.
    """
    model: Model | None = getattr(request.app.state, "agent_model", None)
    if model is None:
        model = agent_service.create_model(settings)
        request.app.state.agent_model = model
    return model


AgentModelDep = Annotated[Model, Depends(get_agent_model)]


async def get_stream_session(request: Request) -> AsyncIterator[Session]:
    """A unit of work for a streamed answer, open until the stream ends: the stream commits
    it itself before its last event (clean-up runs only after the answer is sent)."""
    async with unit_of_work(request.app.state.database) as session:
        yield session


StreamSessionDep = Annotated[Session, Depends(get_stream_session)]
