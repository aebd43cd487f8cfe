"""The API's routers, each included in the app by `create_app`; backend-agent adds one item
here per generated resource.

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
