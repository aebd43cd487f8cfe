"""Accounts through the HTTP API: registering, signing in, and every way a request can fail
to prove who sends it, each answered 401, 409, 422 or 429, never 500."""

import base64
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError
from sqlalchemy import delete
from sqlmodel import col

from app.core import passwords
from app.core.config import Settings
from app.db.session import unit_of_work
from app.models.auth import MAX_PASSWORD_LENGTH
from app.models.user import User
from tests import factories

PASSWORD = "correct horse battery staple"


async def register(
    client: AsyncClient, anonymous: AsyncClient, **changes: object
) -> dict[str, Any]:
    """Register a new account through the API; its payload, password included."""
    payload = await factories.user_payload(client) | {"password": PASSWORD} | changes
    response = await anonymous.post("/auth/register", json=payload)
    assert response.status_code == 201, response.text
    return payload


def claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"sub": "1", "iat": now, "nbf": now, "exp": now + timedelta(minutes=5)} | changes


def sign(app: FastAPI, payload: dict[str, object], *, key: str | None = None) -> dict[str, str]:
    """The Authorization header of a token with `payload`, signed with the app's key (or `key`)."""
    secret = key or app.state.settings.auth_secret_key.get_secret_value()
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, algorithm='HS256')}"}


async def test_registering_returns_the_account_without_its_password(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    payload = await factories.user_payload(client) | {"password": PASSWORD}
    response = await anonymous.post("/auth/register", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == payload["email"]
    assert not {"password", "password_hash"} & set(body)
    assert PASSWORD not in response.text


async def test_registering_an_email_twice_is_409_naming_it(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    first = await register(client, anonymous)
    again = await factories.user_payload(client) | {"password": PASSWORD, "email": first["email"]}
    response = await anonymous.post("/auth/register", json=again)
    assert response.status_code == 409
    assert response.json()["field"] == "email"


async def test_an_overlong_password_is_refused_before_it_is_hashed(
    client: AsyncClient, anonymous: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hashing(password: str) -> str:
        raise AssertionError("an overlong password reached the hasher")

    monkeypatch.setattr(passwords._hasher, "hash", no_hashing)
    monkeypatch.setattr(passwords._hasher, "verify", no_hashing)
    overlong = "x" * (MAX_PASSWORD_LENGTH + 1)
    payload = await factories.user_payload(client) | {"password": overlong}
    registered = await anonymous.post("/auth/register", json=payload)
    assert registered.status_code == 422
    assert registered.json()["detail"][0]["loc"] == ["body", "password"]
    signed_in = await anonymous.post(
        "/auth/token", data={"username": payload["email"], "password": overlong}
    )
    assert signed_in.status_code == 422
    assert [error["loc"] for error in signed_in.json()["detail"]] == [["body", "password"]]


async def test_a_short_password_is_422(client: AsyncClient, anonymous: AsyncClient) -> None:
    payload = await factories.user_payload(client) | {"password": "short"}
    response = await anonymous.post("/auth/register", json=payload)
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body", "password"]
    assert problem["msg"] == "String should have at least 8 characters"


async def test_signing_in_gives_a_token_that_opens_protected_routes(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    account = await register(client, anonymous)
    response = await anonymous.post(
        "/auth/token", data={"username": account["email"], "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] > 0
    me = await anonymous.get(
        "/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["email"] == account["email"]
    assert me.json()["is_admin"] is False


async def test_signing_in_ignores_the_emails_case(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    account = await register(client, anonymous)
    form = {"username": str(account["email"]).upper(), "password": PASSWORD}
    assert (await anonymous.post("/auth/token", data=form)).status_code == 200


async def test_an_unknown_email_and_a_wrong_password_get_the_same_answer_after_the_same_work(
    client: AsyncClient, anonymous: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await register(client, anonymous)
    checked: list[str] = []
    verify = passwords._hasher.verify

    def counted(password: str, stored: str) -> bool:
        checked.append(password)
        return verify(password, stored)

    monkeypatch.setattr(passwords._hasher, "verify", counted)
    wrong = await anonymous.post(
        "/auth/token", data={"username": account["email"], "password": "wrong password"}
    )
    unknown = await anonymous.post(
        "/auth/token", data={"username": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"
    assert checked == ["wrong password", PASSWORD]  # a hash was checked each time


async def test_an_account_without_a_password_cannot_sign_in(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    account_id = await factories.new_account(client)
    me = (
        await anonymous.get("/auth/me", headers={"Authorization": factories.bearer_of(account_id)})
    ).json()
    response = await anonymous.post(
        "/auth/token", data={"username": me["email"], "password": PASSWORD}
    )
    assert response.status_code == 401


async def test_a_request_without_a_token_is_401(anonymous: AsyncClient) -> None:
    response = await anonymous.get("/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Bearer e30.e30.e30"],
)
async def test_a_malformed_token_is_401(anonymous: AsyncClient, authorization: str) -> None:
    response = await anonymous.get("/auth/me", headers={"Authorization": authorization})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": datetime.now(UTC) - timedelta(seconds=1)},
        {"nbf": datetime.now(UTC) + timedelta(hours=1)},
        {"iat": datetime.now(UTC) + timedelta(hours=1)},
        {"sub": "not-an-id"},
        {"sub": "99999999999"},
        {"sub": 1},
    ],
    ids=[
        "expired",
        "not yet valid",
        "issued in the future",
        "not an id",
        "beyond any id",
        "not a string",
    ],
)
async def test_a_token_the_app_signed_but_cannot_accept_is_401(
    app: FastAPI, client: AsyncClient, anonymous: AsyncClient, changes: dict[str, object]
) -> None:
    account_id = await factories.account_id(client)
    response = await anonymous.get(
        "/auth/me", headers=sign(app, claims(sub=str(account_id)) | changes)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("missing", ["sub", "exp", "iat", "nbf"])
async def test_a_token_missing_a_claim_is_401(
    app: FastAPI, client: AsyncClient, anonymous: AsyncClient, missing: str
) -> None:
    payload = claims(sub=str(await factories.account_id(client)))
    del payload[missing]
    assert (await anonymous.get("/auth/me", headers=sign(app, payload))).status_code == 401


async def test_a_token_signed_with_another_key_is_401(
    client: AsyncClient, anonymous: AsyncClient, app: FastAPI
) -> None:
    payload = claims(sub=str(await factories.account_id(client)))
    response = await anonymous.get(
        "/auth/me", headers=sign(app, payload, key="another key of at least 32 bytes!")
    )
    assert response.status_code == 401


async def test_an_unsigned_token_is_401(client: AsyncClient, anonymous: AsyncClient) -> None:
    """`alg: none`: a token anyone could have written."""

    def part(data: dict[str, object]) -> str:
        return (
            base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()
        )

    now = int(datetime.now(UTC).timestamp())
    payload = {
        "sub": str(await factories.account_id(client)),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."
    response = await anonymous.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_token_of_a_deleted_account_is_401(
    app: FastAPI, client: AsyncClient, anonymous: AsyncClient
) -> None:
    account_id = await factories.new_account(client)
    headers = {"Authorization": factories.bearer_of(account_id)}
    assert (await anonymous.get("/auth/me", headers=headers)).status_code == 200
    async with unit_of_work(app.state.database) as session:
        await session.execute(delete(User).where(col(User.id) == account_id))
    assert (await anonymous.get("/auth/me", headers=headers)).status_code == 401


async def test_an_administrator_is_told_so(client: AsyncClient) -> None:
    response = await client.get("/auth/me")
    assert response.status_code == 200, response.text
    assert response.json()["is_admin"] is True


async def test_signing_in_is_rate_limited_per_client_address(
    client: AsyncClient, anonymous: AsyncClient, settings_override: Callable[..., Settings]
) -> None:
    settings_override(sign_in_rate_limit="2/minute")
    account = await register(client, anonymous)
    form = {"username": account["email"], "password": "wrong password"}
    for _ in range(2):
        assert (await anonymous.post("/auth/token", data=form)).status_code == 401
    form["username"] = "someone.else@example.com"
    response = await anonymous.post("/auth/token", data=form)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_signing_in_is_rate_limited_per_email_whatever_the_address(
    app: FastAPI,
    client: AsyncClient,
    anonymous: AsyncClient,
    settings_override: Callable[..., Settings],
) -> None:
    settings_override(sign_in_rate_limit="2/minute")
    account = await register(client, anonymous)
    form = {"username": account["email"], "password": "wrong password"}
    for number in range(3):
        address = (f"192.0.2.{number + 1}", 40000)
        transport = ASGITransport(app=app, client=address)
        async with AsyncClient(transport=transport, base_url="http://test") as elsewhere:
            response = await elsewhere.post("/auth/token", data=form)
    assert response.status_code == 429


async def test_registering_is_rate_limited(
    client: AsyncClient, anonymous: AsyncClient, settings_override: Callable[..., Settings]
) -> None:
    settings_override(register_rate_limit="1/hour")
    await register(client, anonymous)
    payload = await factories.user_payload(client) | {"password": PASSWORD}
    response = await anonymous.post("/auth/register", json=payload)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_passwords_are_never_logged(
    client: AsyncClient, anonymous: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        account = await register(client, anonymous)
        await anonymous.post(
            "/auth/token", data={"username": account["email"], "password": PASSWORD}
        )
        await anonymous.post(
            "/auth/token", data={"username": account["email"], "password": PASSWORD + "!"}
        )
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    assert PASSWORD not in logged


def test_a_secret_key_shorter_than_32_bytes_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="AUTH_SECRET_KEY must be at least 32 bytes"):
        Settings.model_validate({"auth_secret_key": "x" * 31})
