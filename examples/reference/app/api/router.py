"""The API's routers, whose routes `create_app` adds to the app (`app.api.routing.add_routes`);
backend-agent adds one item here per generated resource.

A list rather than one router including the others: FastAPI matches every level of included
routers again on each request.
"""

from fastapi import APIRouter

from app.api.routes import agents, auth, health, preferences, users

routers: list[APIRouter] = [
    health.router,
    users.router,
    preferences.router,
    auth.router,
    agents.router,
]
