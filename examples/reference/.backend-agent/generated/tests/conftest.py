"""Fixtures: the app on real databases, whose URLs come from the environment.

PostgreSQL must be migrated (`alembic upgrade head`).
Every test starts from empty tables and empty collections.
"""

import os
from collections.abc import AsyncIterator, Callable, Iterator

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
    return Settings.model_validate({"environment": "test"})


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
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
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
