"""All routers of the API; backend-agent adds one line here per generated resource."""

from fastapi import APIRouter

from app.api.routes import agents, auth, health, preferences, users

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(users.router)
api_router.include_router(preferences.router)
api_router.include_router(auth.router)
api_router.include_router(agents.router)
