"""An anchor: FastAPI + Pydantic + raw asyncpg, no ORM, as a careful developer writes it.

Response models, a 404 and a 409, an asyncpg pool of BENCH_POOL_SIZE connections; each
statement runs on its own (no transaction around a single INSERT).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel, EmailStr, Field


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr


class UserRead(BaseModel):
    id: int
    name: str
    email: str


class Page(BaseModel):
    items: list[UserRead]
    offset: int
    limit: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    size = int(os.environ["BENCH_POOL_SIZE"])
    async with asyncpg.create_pool(url, min_size=size, max_size=size) as pool:
        app.state.pool = pool
        yield


async def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
app = FastAPI(lifespan=lifespan)


@app.get("/users/{user_id}")
async def read_user(user_id: int, pool: PoolDep) -> UserRead:
    row = await pool.fetchrow("SELECT id, name, email FROM users WHERE id = $1", user_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"User {user_id} not found")
    return UserRead(**row)


@app.get("/users")
async def list_users(
    pool: PoolDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    rows = await pool.fetch(
        "SELECT id, name, email FROM users ORDER BY id LIMIT $1 OFFSET $2", limit, offset
    )
    return Page(items=[UserRead(**row) for row in rows], offset=offset, limit=limit)


@app.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(data: UserCreate, pool: PoolDep) -> UserRead:
    try:
        row = await pool.fetchrow(
            "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, name, email",
            data.name,
            data.email,
        )
    except asyncpg.UniqueViolationError:
        raise HTTPException(status.HTTP_409_CONFLICT, "email already taken") from None
    return UserRead(**row)
