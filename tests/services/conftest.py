"""Shared fixtures: one running server of each kind for the tests that only read."""

from collections.abc import Iterator

import pytest

from backend_agent.services import LocalMongo, LocalPostgres
from backend_agent.services.mongo import URL_ENV as MONGO_URL_ENV
from backend_agent.services.postgres import URL_ENV as POSTGRES_URL_ENV


@pytest.fixture(autouse=True)
def _no_user_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own server URLs must not turn these tests into no-ops."""
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    monkeypatch.delenv(MONGO_URL_ENV, raising=False)


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    """A throwaway cluster shared by a module's tests; tests that stop one make their own."""
    server = LocalPostgres()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def mongo() -> Iterator[LocalMongo]:
    """A throwaway SecantusDB shared by a module's tests."""
    server = LocalMongo()
    try:
        server.start()
        yield server
    finally:
        server.close()
