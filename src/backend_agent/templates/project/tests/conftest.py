"""Fixtures: the app on a real PostgreSQL, whose URL comes from DATABASE_URL.

The database must be migrated (`alembic upgrade head`); every test starts from empty tables.
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
from app.main import create_app
from app.models import load_all


def test_settings() -> Settings:
    if not os.environ.get("DATABASE_URL"):
        pytest.fail(
            "DATABASE_URL is not set: point it at a PostgreSQL database migrated with "
            "`alembic upgrade head` (or run `backend-agent verify`, which does both)"
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
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def empty_tables(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    if tables:
        async with engine.begin() as connection:
            # Table names come from our own metadata, not from input.
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
