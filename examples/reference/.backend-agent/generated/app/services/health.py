"""Readiness checks of the backing services."""

import asyncio
import logging
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from app.db.mongo import IndexState
from app.db.postgres import Database
from app.models.health import Readiness

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


async def check_postgres(database: Database) -> str:
    """ "ok", or why PostgreSQL cannot serve queries right now."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await database.ping()
    except Exception as error:  # whatever the failure, the answer is "not ready"
        logger.warning("postgres readiness check failed: %s", type(error).__name__)
        return f"unavailable: {type(error).__name__}"
    return "ok"


async def check_mongo(database: AsyncDatabase[dict[str, Any]], indexes: IndexState) -> str:
    """ "ok", or why MongoDB cannot serve queries right now (unreachable, indexes missing)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await database.command("ping")
    except Exception as error:  # whatever the failure, the answer is "not ready"
        logger.warning("mongodb readiness check failed: %s", type(error).__name__)
        return f"unavailable: {type(error).__name__}"
    return "ok" if indexes.built else indexes.problem


async def readiness(
    postgres: Database, mongodb: AsyncDatabase[dict[str, Any]], indexes: IndexState
) -> Readiness:
    checks = {
        "postgres": await check_postgres(postgres),
        "mongodb": await check_mongo(mongodb, indexes),
    }
    return Readiness(ready=all(result == "ok" for result in checks.values()), checks=checks)
