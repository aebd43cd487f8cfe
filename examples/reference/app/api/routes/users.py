"""HTTP routes of users.

Thin: validate input, call the service, shape the response.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from app.api.deps import MongoDep, ReadSessionDep, SessionDep
from app.api.responses import IDEMPOTENT, errors
from app.api.security import CallerDep, CallerKeyDep, get_admin
from app.models.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from app.models.types import INT_MAX, Id
from app.models.user import UserCreate, UserRead, UserUpdate
from app.services import users as service
from app.services.access import owner_scope

router = APIRouter(prefix="/users", tags=["users"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 409, 413, 503),
    openapi_extra=IDEMPOTENT,
    dependencies=[Depends(get_admin)],
)
async def create_user(data: UserCreate, session: SessionDep, key: CallerKeyDep) -> UserRead:
    return await service.create_user(session, data, key)


@router.get("", responses=errors(401, 503))
async def list_users(
    session: ReadSessionDep,
    caller: CallerDep,
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[UserRead]:
    users = await service.list_users(session, offset=offset, limit=limit, owner=owner_scope(caller))
    return Page[UserRead](items=users, offset=offset, limit=limit)


@router.get("/{user_id}", responses=errors(401, 404, 503))
async def read_user(
    user_id: Id,
    session: ReadSessionDep,
    caller: CallerDep,
) -> UserRead:
    return await service.get_user(session, user_id, owner=owner_scope(caller))


@router.patch("/{user_id}", responses=errors(400, 401, 404, 409, 413, 503))
async def update_user(
    user_id: Id,
    data: UserUpdate,
    session: SessionDep,
    caller: CallerDep,
) -> UserRead:
    return await service.update_user(session, user_id, data, owner=owner_scope(caller))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 503),
)
async def delete_user(
    user_id: Id,
    session: SessionDep,
    database: MongoDep,
    caller: CallerDep,
) -> None:
    await service.delete_user(session, database, user_id, owner=owner_scope(caller))
