"""Liveness (the process answers) and readiness (its databases answer) for orchestrators."""

from fastapi import APIRouter, Response, status

from app.api.deps import DatabaseDep, IndexStateDep, UncheckedMongoDep
from app.models.health import Liveness, Readiness
from app.services import health

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> Liveness:
    return Liveness()


@router.get(
    "/ready",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Readiness}},
)
async def ready(
    postgres: DatabaseDep, mongodb: UncheckedMongoDep, indexes: IndexStateDep, response: Response
) -> Readiness:
    result = await health.readiness(postgres, mongodb, indexes)
    if not result.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result
