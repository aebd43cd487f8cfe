"""Fixtures: the app on real databases, whose URLs come from the environment.

PostgreSQL must be migrated (`alembic upgrade head`).
Every test starts from empty tables and empty collections. `client` is signed in
as an administrator, who passes every access check: the tests of what an operation does use
it. The tests of who may do it use `anonymous` (no token), `alice` and `bob` (two accounts
that are not administrators).
"""

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from agents import set_tracing_disabled
from agents.testing import ScriptedModel
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlmodel import SQLModel

from app.api.deps import get_agent_model, get_app_settings
from app.core.config import Settings
from app.db.mongo import INDEXES
from app.db.postgres import Database
from app.main import create_app
from app.models import load_all
from app.services.agents import CONVERSATION_COLLECTIONS
from tests import factories

# No run of the tests sends traces (or anything else) to OpenAI.
set_tracing_disabled(True)

REQUIRED_ENV = ["DATABASE_URL", "MONGODB_URL"]


def test_settings() -> Settings:
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: the tests need real databases (PostgreSQL migrated "
            "with `alembic upgrade head`), or run `backend-agent verify`, which provides them"
        )
    # A key of the test run's own: tokens signed by any other are refused.
    return Settings.model_validate(
        {"environment": "test", "auth_secret_key": secrets.token_urlsafe(48)}
    )


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[FastAPI]:
    load_all()
    app = create_app(test_settings())
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    await empty_tables(app.state.database)
    for collection in INDEXES:
        await app.state.mongo_database[collection].delete_many({})
    for collection in CONVERSATION_COLLECTIONS:
        await app.state.mongo_database[collection].delete_many({})
    factories.bind(app)
    await app.state.rate_limiter.reset()
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        client.headers["Authorization"] = factories.bearer_of(
            await factories.new_account(client, admin=True)
        )
        yield client


@pytest.fixture
async def anonymous(app: FastAPI, client: AsyncClient) -> AsyncIterator[AsyncClient]:
    """No token: what anyone on the internet may do."""
    async with signed_in(app, None) as anonymous:
        yield anonymous


@pytest.fixture
async def alice(app: FastAPI, client: AsyncClient) -> AsyncIterator[AsyncClient]:
    """Signed in as an account that is not an administrator."""
    async with signed_in(app, await factories.new_account(client)) as alice:
        yield alice


@pytest.fixture
async def bob(app: FastAPI, client: AsyncClient) -> AsyncIterator[AsyncClient]:
    """Signed in as another account that is not an administrator."""
    async with signed_in(app, await factories.new_account(client)) as bob:
        yield bob


@asynccontextmanager
async def signed_in(app: FastAPI, account_id: int | None) -> AsyncIterator[AsyncClient]:
    """A client of `app`, signed in as `account_id` (None: not signed in)."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        if account_id is not None:
            client.headers["Authorization"] = factories.bearer_of(account_id)
        yield client


async def empty_tables(database: Database) -> None:
    # One TRUNCATE of every table: no order needed, even where refs form a loop.
    tables = ", ".join(f'"{name}"' for name in SQLModel.metadata.tables)
    if tables:
        async with database.connection(writes=True) as connection:
            # Table names come from our own metadata, not from input.
            await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def agent_model(app: FastAPI) -> Iterator[ScriptedModel]:
    """An offline model that plays the steps a test scripts, in place of the configured one.

    Runs still go through the real SDK (tools, memory, streaming); only the model is scripted.
    """
    model = ScriptedModel()
    app.dependency_overrides[get_agent_model] = lambda: model
    yield model
    del app.dependency_overrides[get_agent_model]
    model.assert_complete()


@pytest.fixture
def settings_override(app: FastAPI) -> Iterator[Callable[..., Settings]]:
    """Call it with setting values (e.g. `agent_max_turns=1`) the next requests should see."""

    def override(**changes: object) -> Settings:
        settings: Settings = app.state.settings.model_copy(update=changes)
        app.dependency_overrides[get_app_settings] = lambda: settings
        return settings

    yield override
    app.dependency_overrides.pop(get_app_settings, None)
