"""HTTP routes of preferences.

Thin: validate input, call the service, shape the response.
"""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import IdempotencyKeyDep, MongoDep, SessionDep
from app.api.responses import errors
from app.models.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from app.models.preference import PreferenceCreate, PreferenceRead, PreferenceUpdate
from app.models.types import INT_MAX, Id
from app.services import preferences as service

router = APIRouter(prefix="/preferences", tags=["preferences"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(400, 409, 413, 503))
async def create_preference(
    data: PreferenceCreate, database: MongoDep, session: SessionDep, key: IdempotencyKeyDep
) -> PreferenceRead:
    preference = await service.create_preference(database, session, data, key)
    return preference


@router.get("", responses=errors(503))
async def list_preferences(
    database: MongoDep,
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    user_id: Annotated[Id | None, Query(description="Only those of this User")] = None,
) -> Page[PreferenceRead]:
    preferences = await service.list_preferences(
        database, offset=offset, limit=limit, user_id=user_id
    )
    return Page[PreferenceRead](items=preferences, offset=offset, limit=limit)


@router.get("/{preference_id}", responses=errors(404, 503))
async def read_preference(
    preference_id: str,
    database: MongoDep,
) -> PreferenceRead:
    preference = await service.get_preference(database, preference_id)
    return preference


@router.patch("/{preference_id}", responses=errors(400, 404, 409, 413, 503))
async def update_preference(
    preference_id: str,
    data: PreferenceUpdate,
    database: MongoDep,
    session: SessionDep,
) -> PreferenceRead:
    preference = await service.update_preference(database, session, preference_id, data)
    return preference


@router.delete(
    "/{preference_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404, 503),
)
async def delete_preference(
    preference_id: str,
    database: MongoDep,
) -> None:
    await service.delete_preference(database, preference_id)
