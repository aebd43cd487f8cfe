"""The throwaway PostgreSQL cluster: start, databases, stop/start, external URLs, errors."""

import asyncio
import os
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from backend_agent.errors import ServiceError
from backend_agent.services import LocalPostgres, local_postgres
from backend_agent.services.postgres import BINDIR_ENV, URL_ENV, find_bindir
from backend_agent.services.process import port_is_open


async def _fetch_one(url: str, query: str) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def test_create_database_and_select_through_asyncpg(postgres: LocalPostgres) -> None:
    url = postgres.create_database("app")

    assert url == f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/app"
    assert await _fetch_one(postgres.url("app", driver="postgresql"), "SELECT 1") == 1


def test_select_through_the_clusters_psql(postgres: LocalPostgres) -> None:
    postgres.create_database("psql_check")
    psql = find_bindir() / "psql"
    url = postgres.url("psql_check", driver="postgresql")

    result = subprocess.run(
        [psql, "-X", "-tA", "-d", url, "-c", "SELECT 1"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "1"


async def test_create_database_replaces_an_existing_one(postgres: LocalPostgres) -> None:
    url = postgres.url("fresh", driver="postgresql")
    postgres.create_database("fresh")
    connection = await asyncpg.connect(url)
    await connection.execute("CREATE TABLE leftover (id int)")  # keeps a session open, too
    try:
        postgres.create_database("fresh")
    finally:
        await connection.close()

    assert await _fetch_one(url, "SELECT to_regclass('leftover') IS NULL") is True


@pytest.mark.parametrize("name", ["", "bad name", 'x"; DROP DATABASE postgres; --', "a" * 64])
def test_create_database_rejects_names_that_are_not_plain(
    postgres: LocalPostgres, name: str
) -> None:
    with pytest.raises(ValueError, match="not a plain database name"):
        postgres.create_database(name)


async def test_stop_then_start_comes_back_on_the_same_port_with_the_data() -> None:
    with local_postgres() as pg:
        pg.create_database("app")
        url = pg.url("app", driver="postgresql")
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)")
        await connection.close()
        port = pg.port

        pg.stop()
        assert pg.pid is None
        assert not port_is_open(pg.host, port)
        with pytest.raises(OSError):
            await asyncpg.connect(url, timeout=2)

        pg.start()
        assert pg.port == port
        assert await _fetch_one(url, "SELECT id FROM kept") == 7


async def test_two_clusters_run_side_by_side() -> None:
    with local_postgres() as first, local_postgres() as second:
        assert first.port != second.port
        for pg in (first, second):
            assert await _fetch_one(pg.url(driver="postgresql"), "SELECT 1") == 1


def test_close_stops_the_server_deletes_its_data_and_is_idempotent() -> None:
    pg = LocalPostgres()
    pg.start()
    workdir, port = pg.workdir, pg.port
    assert workdir is not None
    assert (workdir / "data" / "PG_VERSION").exists()

    pg.close()
    pg.close()

    assert not workdir.exists()
    assert not port_is_open("127.0.0.1", port)


async def test_a_given_url_starts_nothing_and_builds_urls_on_it(postgres: LocalPostgres) -> None:
    given = f"postgresql://postgres:secret@127.0.0.1:{postgres.port}/postgres"

    with local_postgres(given) as pg:
        assert pg.external
        assert (pg.pid, pg.workdir) == (None, None)
        assert (pg.host, pg.port) == ("127.0.0.1", postgres.port)
        assert pg.url("shop") == f"postgresql+asyncpg://postgres:secret@127.0.0.1:{pg.port}/shop"
        with pytest.raises(ServiceError, match="not managed by backend-agent"):
            pg.stop()

        pg.create_database("through_url")  # via psql, on the server the URL names

    assert await _fetch_one(postgres.url("through_url", driver="postgresql"), "SELECT 1") == 1


def test_the_url_environment_variable_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "postgresql://app:pw@db.example:6543/app")

    with local_postgres() as pg:
        assert pg.external
        assert pg.pid is None
        assert pg.url("app", driver="postgresql") == "postgresql://app:pw@db.example:6543/app"


@pytest.fixture
def empty_bindir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)


def test_missing_binaries_give_a_clear_error(empty_bindir: Path) -> None:
    message = r"PostgreSQL server binaries .* not found .*: install the Debian package `postgresql`"
    with pytest.raises(ServiceError, match=message), local_postgres(bindir=empty_bindir):
        pass


def test_the_bindir_environment_variable_is_used_alone(
    empty_bindir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BINDIR_ENV, str(empty_bindir))

    with pytest.raises(ServiceError, match=f"not found in {empty_bindir}"):
        LocalPostgres().start()


@pytest.fixture
def failing_bindir() -> Iterator[Path]:
    """Binaries whose `initdb` works and whose `postgres` dies at once, saying why.

    Under /tmp and world-readable: as root they run as the `postgres` user.
    """
    directory = Path(tempfile.mkdtemp())
    directory.chmod(0o755)
    scripts = {
        "initdb": 'mkdir -p "$2"\n',
        "postgres": 'echo "FATAL:  simulated start-up failure" >&2\nexit 3\n',
        "psql": "exit 1\n",
    }
    for name, body in scripts.items():
        path = directory / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755 | stat.S_IXUSR)
    yield directory
    for name in scripts:
        os.unlink(directory / name)
    directory.rmdir()


def test_a_server_that_fails_to_start_is_reported_with_its_log(failing_bindir: Path) -> None:
    pg = LocalPostgres(bindir=failing_bindir)
    try:
        with pytest.raises(ServiceError) as raised:
            pg.start()
        workdir = pg.workdir
    finally:
        pg.close()

    message = str(raised.value)
    assert "exited with code 3 during start-up" in message
    assert "simulated start-up failure" in message
    assert workdir is not None
    assert not workdir.exists()


async def test_a_cluster_started_in_a_thread_outlives_the_thread() -> None:
    """`dev` may start services from a worker thread: the thread's end must not matter."""
    pg = LocalPostgres()
    try:
        thread = threading.Thread(target=pg.start)
        thread.start()
        thread.join()
        await asyncio.sleep(0.5)

        assert await _fetch_one(pg.url(driver="postgresql"), "SELECT 1") == 1
    finally:
        pg.close()
