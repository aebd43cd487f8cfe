"""Liveness (the process answers) and readiness (its databases answer) for orchestrators."""

from fastapi import APIRouter, Response, status

from app.api.deps import EngineDep, IndexStateDep, UncheckedMongoDep
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
    engine: EngineDep, database: UncheckedMongoDep, indexes: IndexStateDep, response: Response
) -> Readiness:
    result = await health.readiness(engine, database, indexes)
    if not result.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result
