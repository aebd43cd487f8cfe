"""The hand-written ceiling: Starlette + asyncpg + AsyncMongoClient, no framework layers.

Serves the same requests the benchmark sends to the generated backend, on the
same databases and with the same pool size (BENCH_POOL_SIZE), so the ratio shows what the
generated layers cost.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from bson import ObjectId
from pymongo import AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    size = int(os.environ["BENCH_POOL_SIZE"])
    app.state.pool = await asyncpg.create_pool(url, min_size=size, max_size=size)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(os.environ["MONGODB_URL"])
    app.state.preferences = client[os.environ["MONGODB_DATABASE"]]["preferences"]
    yield
    await app.state.pool.close()
    await client.close()


async def get_user(request: Request) -> Response:
    row = await request.app.state.pool.fetchrow(
        "SELECT id, name, email FROM users WHERE id = $1", int(request.path_params["id"])
    )
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(dict(row))


async def list_users(request: Request) -> Response:
    limit = int(request.query_params.get("limit", "20"))
    offset = int(request.query_params.get("offset", "0"))
    rows = await request.app.state.pool.fetch(
        "SELECT id, name, email FROM users ORDER BY id LIMIT $1 OFFSET $2", limit, offset
    )
    return JSONResponse({"items": [dict(row) for row in rows], "offset": offset, "limit": limit})


async def create_user(request: Request) -> Response:
    body = json.loads(await request.body())
    row = await request.app.state.pool.fetchrow(
        "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, name, email",
        body["name"],
        body["email"],
    )
    return JSONResponse(dict(row), status_code=201)


async def get_preference(request: Request) -> Response:
    document = await request.app.state.preferences.find_one(
        {"_id": ObjectId(request.path_params["id"])}
    )
    if document is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    document["id"] = str(document.pop("_id"))
    return JSONResponse(document)


app = Starlette(
    routes=[
        Route("/users/{id:int}", get_user),
        Route("/users", create_user, methods=["POST"]),
        Route("/users", list_users, methods=["GET"]),
        Route("/preferences/{id}", get_preference),
    ],
    lifespan=lifespan,
)
