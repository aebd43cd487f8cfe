"""HTTP routes of preferences.

Thin: validate input, call the service, shape the response.
"""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import MongoDep
from app.api.responses import IDEMPOTENT, errors
from app.api.security import CallerDep, CallerKeyDep
from app.models.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from app.models.preference import PreferenceCreate, PreferenceRead, PreferenceUpdate
from app.models.types import INT_MAX
from app.services import preferences as service
from app.services.access import owner_scope

router = APIRouter(prefix="/preferences", tags=["preferences"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 409, 413, 503),
    openapi_extra=IDEMPOTENT,
)
async def create_preference(
    data: PreferenceCreate, database: MongoDep, caller: CallerDep, key: CallerKeyDep
) -> PreferenceRead:
    return await service.create_preference(database, data, key, owner=caller.id)


@router.get("", responses=errors(401, 503))
async def list_preferences(
    database: MongoDep,
    caller: CallerDep,
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[PreferenceRead]:
    preferences = await service.list_preferences(
        database, offset=offset, limit=limit, owner=owner_scope(caller)
    )
    return Page[PreferenceRead](items=preferences, offset=offset, limit=limit)


@router.get("/{preference_id}", responses=errors(401, 404, 503))
async def read_preference(
    preference_id: str,
    database: MongoDep,
    caller: CallerDep,
) -> PreferenceRead:
    return await service.get_preference(database, preference_id, owner=owner_scope(caller))


@router.patch("/{preference_id}", responses=errors(400, 401, 404, 413, 503))
async def update_preference(
    preference_id: str,
    data: PreferenceUpdate,
    database: MongoDep,
    caller: CallerDep,
) -> PreferenceRead:
    return await service.update_preference(database, preference_id, data, owner=owner_scope(caller))


@router.delete(
    "/{preference_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 503),
)
async def delete_preference(
    preference_id: str,
    database: MongoDep,
    caller: CallerDep,
) -> None:
    await service.delete_preference(database, preference_id, owner=owner_scope(caller))
