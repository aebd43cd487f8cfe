"""HTTP routes of accounts: register, sign in for a token, and the signed-in account.

Thin: validate input, call the auth service, shape the response.
"""

from fastapi import APIRouter, Depends, status

from app.api.deps import ReadSessionDep, SessionDep, SettingsDep
from app.api.responses import errors
from app.api.security import CallerDep, SignInDep, limit_registration
from app.models.auth import Me, Registration, Token
from app.models.user import UserRead
from app.services import auth as service
from app.services import users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 409, 413, 429, 503),
    dependencies=[Depends(limit_registration)],
)
async def register(data: Registration, session: SessionDep) -> UserRead:  # noqa: BA105 - anyone may open an account
    """Open an account; then sign in at POST /auth/token."""
    return await service.register(session, data)


@router.post(
    "/token",
    responses=errors(400, 401, 413, 429, 503),
)
async def sign_in(form: SignInDep, session: ReadSessionDep, settings: SettingsDep) -> Token:
    """Trade an email (as `username`) and a password for an access token: the OAuth2
    password flow, so the Authorize button of /docs works."""
    return await service.sign_in(session, form.username, form.password, settings)


@router.get("/me", responses=errors(401, 503))
async def read_me(caller: CallerDep, session: ReadSessionDep) -> Me:
    """The account the token speaks for."""
    account = await users.get_user(session, caller.id)
    return Me(**account.model_dump(), is_admin=caller.is_admin)
