"""An anchor: FastAPI + SQLModel `AsyncSession`, written in ten minutes from the tutorials.

One session per request, committed after the handler; a pool of BENCH_POOL_SIZE connections
and no overflow.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import EmailStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession


class UserBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr = Field(max_length=254)


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)


class UserCreate(UserBase):
    pass


class UserRead(SQLModel):
    id: int
    name: str
    email: str


class Page(SQLModel):
    items: list[UserRead]
    offset: int
    limit: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    size = int(os.environ["BENCH_POOL_SIZE"])
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=size, max_overflow=0)
    app.state.sessionmaker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    yield
    await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
app = FastAPI(lifespan=lifespan)


@app.get("/users/{user_id}")
async def read_user(user_id: int, session: SessionDep) -> UserRead:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"User {user_id} not found")
    return UserRead.model_validate(user)


@app.get("/users")
async def list_users(
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    statement = select(User).order_by(col(User.id)).offset(offset).limit(limit)
    users = (await session.exec(statement)).all()
    return Page(items=[UserRead.model_validate(u) for u in users], offset=offset, limit=limit)


@app.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(data: UserCreate, session: SessionDep) -> UserRead:
    user = User.model_validate(data)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "email already taken") from None
    return UserRead.model_validate(user)
