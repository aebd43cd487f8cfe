"""Fixtures: the app on real databases, whose URLs come from the environment.

PostgreSQL must be migrated (`alembic upgrade head`).
Every test starts from empty tables and empty collections.
"""

import os
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from app.core.config import Settings
from app.db.mongo import INDEXES
from app.main import create_app
from app.models import load_all

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
    await empty_tables(app.state.engine)
    for collection in INDEXES:
        await app.state.mongo_database[collection].delete_many({})
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def empty_tables(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    if tables:
        async with engine.begin() as connection:
            # Table names come from our own metadata, not from input.
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
