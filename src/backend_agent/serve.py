"""Run a generated project on local databases: `dev` (reload while editing) and `demo`.

Both start throwaway PostgreSQL and MongoDB-compatible servers (or use the URLs given),
migrate, and run uvicorn; Ctrl-C stops the app and the servers.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend_agent.blueprint import load_blueprint
from backend_agent.errors import ProjectError
from backend_agent.services import local_mongo, local_postgres
from backend_agent.services.process import free_port
from backend_agent.verify import project_python

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalEnvironment:
    """The environment variables that point the project at its running databases."""

    variables: dict[str, str]

    def describe(self) -> list[tuple[str, str]]:
        return sorted(self.variables.items())


@contextmanager
def local_databases(
    root: Path, *, database: str, database_url: str | None = None, mongodb_url: str | None = None
) -> Iterator[LocalEnvironment]:
    """Start what the project needs (or use the URLs given) and migrate PostgreSQL."""
    blueprint = load_blueprint(root).blueprint
    with ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(local_postgres()).create_database(database)
        variables = {"DATABASE_URL": database_url}
        if blueprint.needs_mongo:
            if mongodb_url is None:
                mongodb_url = stack.enter_context(local_mongo()).url()
            variables["MONGODB_URL"] = mongodb_url
            variables["MONGODB_DATABASE"] = database
        migrate(root, variables)
        yield LocalEnvironment(variables)


def migrate(root: Path, variables: dict[str, str]) -> None:
    """`alembic upgrade head`, failing with the tool's own last words."""
    completed = subprocess.run(
        [project_python(root), "-m", "alembic", "upgrade", "head"],
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
