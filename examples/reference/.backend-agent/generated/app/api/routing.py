"""How the app's routes run: as routes of the app itself, each request in one unit of work.

FastAPI keeps an included router as a branch that it matches twice per request (to choose
the branch, then the route in it); `add_routes` adds a router's routes to the app as its
own, matched once. Each is a `UnitOfWorkRoute`: the session a handler took (`SessionDep`)
is committed once the handler has answered and before the answer is sent, so a failed
commit becomes an error answer, never a success for data that was lost; an error answer or
an exception rolls it back. (A dependency with `yield` could do the same, but FastAPI's
machinery for one costs about 20 us a request.)
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute

from app.db.session import Session

UNIT_OF_WORK = "app.unit_of_work"
"""Where a request keeps its session, in its ASGI scope."""


class UnitOfWorkRoute(APIRoute):
    """A route that ends the request's unit of work before its answer is sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_unit_of_work(request: Request) -> Response:
            try:
                response = await handle(request)
            except BaseException:
                await _end(request, commit=False)
                raise
            await _end(request, commit=response.status_code < 400)
            return response

        return handle_in_unit_of_work


def open_unit_of_work(request: Request) -> Session:
    """The request's session that writes; its route commits or rolls it back."""
    if not isinstance(request.scope.get("route"), UnitOfWorkRoute):
        raise RuntimeError(
            f"{request.method} {request.url.path}: SessionDep needs a route that commits it; "
            "list the router in app/api/router.py (create_app adds its routes with add_routes)"
        )
    session = Session(request.app.state.database, writes=True)
    request.scope[UNIT_OF_WORK] = session
    return session


async def _end(request: Request, *, commit: bool) -> None:
    session: Session | None = request.scope.pop(UNIT_OF_WORK, None)
    if session is None:
        return
    if commit:
        await session.commit()
    else:
        await session.rollback()


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add `router`'s routes to `app` as its own, each a `UnitOfWorkRoute` with the same
    settings."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only FastAPI routes can be added to the app")
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=UnitOfWorkRoute,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
            form_limits=route.form_limits or None,
        )
