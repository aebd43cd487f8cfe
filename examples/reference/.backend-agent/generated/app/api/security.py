"""Who is calling: the bearer token of a request, checked and turned into the account it
speaks for; the sign-in form; rate limits per client address and per account.

`CallerDep` lets any signed-in account in (401 otherwise), `AdminDep` only administrators
(403 for the others). Routes open to anyone declare neither.
"""

import hashlib
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

from app.api.deps import IdempotencyKeyDep, ReadSessionDep, SettingsDep
from app.core.errors import NotAuthenticatedError
from app.core.rate_limits import RateLimiter
from app.models.auth import EMAIL_MAX_LENGTH, MAX_PASSWORD_LENGTH, Caller
from app.models.idempotency import IdempotencyKey
from app.models.types import TEXT_PATTERN
from app.services import auth as auth_service
from app.services.access import require_admin

bearer_token = OAuth2PasswordBearer(
    tokenUrl="auth/token",
    auto_error=False,
    description="Sign in at POST /auth/token (the Authorize button does it for you).",
)


async def get_caller(
    token: Annotated[str | None, Depends(bearer_token)],
    session: ReadSessionDep,
    settings: SettingsDep,
) -> Caller:
    """The account the request's bearer token speaks for; 401 without a valid one."""
    if token is None:
        raise NotAuthenticatedError(
            "sign in first: send Authorization: Bearer <token> (POST /auth/token gives one)"
        )
    return await auth_service.caller(session, token, settings)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_admin(caller: CallerDep) -> Caller:
    """The caller, if an administrator; 403 for any other account."""
    return require_admin(caller)


AdminDep = Annotated[Caller, Depends(get_admin)]


async def get_callers_key(key: IdempotencyKeyDep, caller: CallerDep) -> IdempotencyKey | None:
    """An Idempotency-Key belongs to the account that sent it: another account sending the
    same key gets its own answer, never this one's."""
    if key is None:
        return None
    value = hashlib.sha256(f"{caller.id}:{key.value}".encode()).hexdigest()
    return IdempotencyKey(value, key.expires_at)


CallerKeyDep = Annotated[IdempotencyKey | None, Depends(get_callers_key)]


class SignInForm(OAuth2PasswordRequestForm):
    """The OAuth2 password flow's form (what the Authorize button of /docs sends), bounded: an
    overlong password is refused before anything hashes it."""

    def __init__(
        self,
        *,
        username: Annotated[
            str,
            Form(
                max_length=EMAIL_MAX_LENGTH, pattern=TEXT_PATTERN, description="The account's email"
            ),
        ],
        password: Annotated[
            str,
            Form(
                max_length=MAX_PASSWORD_LENGTH,
                pattern=TEXT_PATTERN,
                json_schema_extra={"format": "password"},
            ),
        ],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1000)] = "",
        client_id: Annotated[str | None, Form(max_length=255)] = None,
        client_secret: Annotated[
            str | None, Form(max_length=255, json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


def client_address(request: Request) -> str:
    """Where the request comes from (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips, or every client shares the proxy's address)."""
    return request.client.host if request.client is not None else "unknown"


def rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def counted_sign_in(
    request: Request, form: Annotated[SignInForm, Depends()], settings: SettingsDep
) -> SignInForm:
    """The sign-in form, once the attempt is counted per client address and per email:
    guessing one account's password from many addresses is slowed as much as guessing many
    from one. (The route takes the form from here, so a malformed one is reported once.)"""
    limiter = rate_limiter(request)
    await limiter.hit(settings.sign_in_rate_limit, "sign-in", "address", client_address(request))
    await limiter.hit(settings.sign_in_rate_limit, "sign-in", "email", form.username.lower())
    return form


SignInDep = Annotated[SignInForm, Depends(counted_sign_in)]


async def limit_registration(request: Request, settings: SettingsDep) -> None:
    """Registrations per client address."""
    await rate_limiter(request).hit(
        settings.register_rate_limit, "register", client_address(request)
    )


async def limit_agent_runs(request: Request, caller: CallerDep, settings: SettingsDep) -> None:
    """Agent runs per account: each spends model tokens."""
    await rate_limiter(request).hit(settings.agent_rate_limit, "agent-run", str(caller.id))
