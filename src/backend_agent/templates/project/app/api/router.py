"""The API's routers, each included in the app by `create_app`; backend-agent adds one item
here per generated resource.

A list rather than one router including the others: FastAPI matches every level of included
routers again on each request.
"""

from fastapi import APIRouter

from app.api.routes import health

routers: list[APIRouter] = [
    health.router,
]
