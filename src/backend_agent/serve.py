"""Run a generated project on local databases: `dev` (reload while editing) and `demo`.

Both start PostgreSQL and a MongoDB-compatible server (or use the URLs given), durable
(an acknowledged write survives a crash), migrate, and run uvicorn; a project with accounts
and no AUTH_SECRET_KEY of the user's gets a random one for the run. While the app runs, a
database that dies is said and restarted; Ctrl-C, SIGTERM and SIGHUP stop everything.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend_agent.blueprint import load_blueprint
from backend_agent.errors import ProjectError
from backend_agent.services import local_mongo, local_postgres
from backend_agent.services.process import free_port
from backend_agent.services.server import LocalServer
from backend_agent.verify import project_python

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalEnvironment:
    """The environment variables that point the project at its running databases."""

    variables: dict[str, str]
    servers: tuple[LocalServer, ...] = ()
    """The servers started for this run (not the user's), watched while the app runs."""

    def describe(self) -> list[tuple[str, str]]:
        """The variables to show the user; a generated signing key is named, never shown."""
        return sorted(
            (name, RANDOM_KEY if name == SIGNING_KEY else value)
            for name, value in self.variables.items()
        )


SIGNING_KEY = "AUTH_SECRET_KEY"
"""What a project with accounts signs its tokens with; it refuses to start without one."""
RANDOM_KEY = "(random, for this run: set it in .env to keep tokens valid across restarts)"


@contextmanager
def local_databases(
    root: Path,
    *,
    database: str,
    database_url: str | None = None,
    mongodb_url: str | None = None,
    durable: bool = True,
) -> Iterator[LocalEnvironment]:
    """Start what the project needs (or use the URLs given) and migrate PostgreSQL."""
    blueprint = load_blueprint(root).blueprint
    servers: list[LocalServer] = []
    with ExitStack() as stack:
        if database_url is None:
            postgres = stack.enter_context(local_postgres(durable=durable))
            servers.append(postgres)
            database_url = postgres.create_database(database)
        variables = {"DATABASE_URL": database_url}
        if blueprint.needs_mongo:
            if mongodb_url is None:
                mongo = stack.enter_context(local_mongo(durable=durable))
                servers.append(mongo)
                mongodb_url = mongo.url()
            variables["MONGODB_URL"] = mongodb_url
            variables["MONGODB_DATABASE"] = database
        migrate(root, variables)
        if blueprint.auth is not None and not _configured(root, SIGNING_KEY):
            variables[SIGNING_KEY] = secrets.token_urlsafe(48)
        yield LocalEnvironment(variables, tuple(servers))


def _configured(root: Path, name: str) -> bool:
    """Whether the user gives `name` a value, in the environment or in the project's .env
    (which the app reads itself)."""
    if os.environ.get(name):
        return True
    dotenv = root / ".env"
    if not dotenv.is_file():
        return False
    for line in dotenv.read_text(encoding="utf-8").splitlines():
        key, equals, value = line.strip().removeprefix("export ").partition("=")
        if equals and key.strip() == name and value.strip().strip("'\"").strip():
            return True
    return False


def migrate(root: Path, variables: dict[str, str]) -> None:
    """`alembic upgrade head`, failing with the tool's own last words."""
    completed = subprocess.run(
        [project_python(root), "-P", "-m", "alembic", "upgrade", "head"],
        cwd=root,
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        last = (completed.stderr or completed.stdout).strip().splitlines()[-1:]
        raise ProjectError(f"migrations failed: {' '.join(last) or 'see alembic output'}")


def serve(
    root: Path,
    environment: LocalEnvironment,
    *,
    host: str,
    port: int | None,
    reload: bool,
    workers: int = 1,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn on the app factory; returns the process and the base URL. Each of
    `workers` processes has its own pools (`DATABASE_POOL_SIZE` connections each)."""
    port = port or free_port(host)
    command = [
        project_python(root),
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
    ]
    if reload:
        command += ["--reload", "--reload-dir", "app"]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=root, env={**os.environ, **environment.variables})
    return process, f"http://{host}:{port}"


def watch(
    app: subprocess.Popen[bytes],
    servers: Sequence[LocalServer],
    say: Callable[[str], object],
    *,
    interval: float = 1.0,
) -> int:
    """Wait for the app to exit (its exit code); meanwhile a database that dies is said and
    restarted on its port with its data (synced: nothing acknowledged is lost). A restart
    that fails raises `ServiceError`, which stops everything."""
    while (code := app.poll()) is None:
        for server in servers:
            died = server.exited()
            if died is not None:
                say(f"{server.product} on port {server.port} stopped (exit {died}); restarting it")
                server.start()
                say(f"{server.product} is back on port {server.port}")
        time.sleep(interval)
    return code


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (docker, systemd, `timeout`, a closed terminal) stop the run like
    Ctrl-C does, so the app and the databases are shut down and nothing is left behind."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:
        signal.signal(sig, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
