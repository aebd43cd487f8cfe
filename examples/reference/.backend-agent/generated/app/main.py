"""The application factory: run it with `uvicorn app.main:create_app --factory`."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from app.api.errors import register_exception_handlers
from app.api.middleware import RequestMiddleware
from app.api.openapi import App
from app.api.router import routers
from app.api.routing import add_routes
from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
from app.core.rate_limits import RateLimiter
from app.db.mongo import IndexState, build_indexes, create_client
from app.db.postgres import Database

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the connection pools at start-up and close them at shutdown (whatever failed)."""
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        database = Database(settings)
        stack.push_async_callback(database.close)
        app.state.database = database
        client = create_client(settings)
        stack.push_async_callback(client.close)
        app.state.mongo_client = client
        app.state.mongo_database = client[settings.mongodb_database]
        app.state.mongo_indexes = IndexState()
        indexes = asyncio.create_task(
            build_indexes(app.state.mongo_database, app.state.mongo_indexes)
        )
        stack.callback(indexes.cancel)
        # Start-up waits for the first attempt; if MongoDB is down, the app serves anyway
        # (not ready, 503 for what needs MongoDB) and builds the indexes when it is back.
        await asyncio.wait({indexes}, timeout=settings.mongodb_timeout_ms / 1000 + 1)
        # What start-up made lives as long as the app (modules, classes, caches: 200,000
        # objects with the Agents SDK): kept out of garbage collection, whose full passes
        # over it would stall every request in flight (~100 ms each, the p99 of a busy app).
        gc.collect()
        gc.freeze()
        stack.callback(gc.unfreeze)
        logger.info("%s started (%s)", settings.app_name, settings.environment)
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = App(title=settings.app_name, lifespan=lifespan)
    app.state.settings = settings
    storage = settings.rate_limit_storage_url
    app.state.rate_limiter = RateLimiter(storage.get_secret_value() if storage else None)
    register_exception_handlers(app)
    app.add_middleware(RequestMiddleware, max_bytes=settings.max_body_bytes)
    for router in routers:
        add_routes(app, router)
    return app
