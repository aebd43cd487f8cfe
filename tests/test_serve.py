"""`dev` and `demo` keep a user's data: their databases are durable, one that dies is
restarted with every acknowledged write, and a signal stops everything they started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from backend_agent import operations
from backend_agent.serve import local_databases, watch
from backend_agent.services import LocalPostgres
from backend_agent.services.process import port_is_open
from tests.helpers import query


def test_a_killed_database_comes_back_with_every_acknowledged_write(shop_copy: Path) -> None:
    with local_databases(shop_copy, database="kept") as environment:
        postgres, mongo = environment.servers
        url = environment.variables["DATABASE_URL"]
        query(
            url,
            "INSERT INTO users (name, email, status) "
            "SELECT 'u' || n, 'u' || n || '@x.org', 'active' FROM generate_series(1, 5) AS n",
        )
        with MongoClient(environment.variables["MONGODB_URL"]) as client:
            client["kept"]["notes"].insert_many([{"n": number} for number in range(5)])
        app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(8)"])
        said: list[str] = []
        watching = threading.Thread(target=watch, args=(app, environment.servers, said.append))
        watching.start()
        for server in (postgres, mongo):
            assert server.pid is not None
            os.kill(server.pid, signal.SIGKILL)
        watching.join(timeout=60)
        assert not watching.is_alive()
        stopped = sorted(line.split(" on port")[0] for line in said if "stopped" in line)
        assert stopped == ["PostgreSQL", "SecantusDB"]  # in the order the watcher noticed
        assert len(query(url, "SELECT id FROM users")) == 5
        with MongoClient(environment.variables["MONGODB_URL"]) as client:
            assert client["kept"]["notes"].count_documents({}) == 5


def ready(url: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.3)
    return False


@pytest.mark.parametrize("options", [[], ["--workers", "2"]], ids=["reload", "two-workers"])
def test_sigterm_stops_dev_and_everything_it_started(shop_copy: Path, options: list[str]) -> None:
    dev = subprocess.Popen(
        [sys.executable, "-m", "backend_agent", "dev", str(shop_copy), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert dev.stdout is not None
    output = ""
    deadline = time.monotonic() + 90
    while "Ctrl-C stops" not in output and time.monotonic() < deadline:
        output += dev.stdout.readline()
    url = re.search(r"serving (http://\S+):", output)
    assert url, output
    ports = [int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", output)]
    assert ready(f"{url.group(1)}/health/ready")
    dev.send_signal(signal.SIGTERM)
    dev.wait(timeout=60)
    assert sorted(set(ports)) and not any(port_is_open("127.0.0.1", p) for p in set(ports))


def test_a_project_with_accounts_gets_a_signing_key_unless_the_user_gives_one(
    tmp_path: Path, postgres: LocalPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without AUTH_SECRET_KEY the app refuses to start: `dev` and `demo` make one for the
    run, shown by name only, and leave the user's own (environment or .env) alone."""
    root = tmp_path / "accounts"
    operations.new_project(root)
    operations.add_auth(root)
    monkeypatch.delenv("AUTH_SECRET_KEY", raising=False)
    url = postgres.create_database("signing_key")
    with local_databases(root, database="keyed", database_url=url) as environment:
        key = environment.variables["AUTH_SECRET_KEY"]
        assert len(key.encode()) >= 32
        assert key not in str(environment.describe())
    (root / ".env").write_text("AUTH_SECRET_KEY='" + "k" * 40 + "'\n")
    with local_databases(root, database="keyed", database_url=url) as environment:
        assert "AUTH_SECRET_KEY" not in environment.variables
