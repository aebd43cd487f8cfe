"""A throwaway PostgreSQL cluster, or a user's server given by URL.

`verify`, `dev`, `demo` and our tests need a real PostgreSQL without asking the user
to run one. We drive the cluster's own binaries (`initdb`, `postgres`, `psql`) so that
backend-agent needs no database driver, and run `postgres` in the foreground under a
watchdog (`pg_ctl` would daemonize it out of our reach).
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from backend_agent.errors import ServiceError
from backend_agent.services.process import (
    StopPolicy,
    Watchdog,
    is_root,
    make_workdir,
    server_env,
)
from backend_agent.services.server import LocalServer, running

logger = logging.getLogger(__name__)

URL_ENV = "BACKEND_AGENT_POSTGRES_URL"
"""Names the user's own server: when set, nothing is started."""
BINDIR_ENV = "BACKEND_AGENT_PG_BINDIR"
"""Names the directory holding `initdb` and `postgres` when the search gets it wrong."""
SERVER_USER = "postgres"
"""`initdb` and `postgres` refuse to run as root; as root they run as this user."""
SUPERUSER = "postgres"
"""The cluster's bootstrap superuser, reached with trust authentication."""

_POLICY = StopPolicy(stop_signal=signal.SIGINT, stop_timeout=30.0, kill_signal=signal.SIGQUIT)
"""SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one (no checkpoint)."""
_SETTINGS = {"max_connections": "100"}
_FAST = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
"""For a cluster only tests use, durability is worthless and speed is not; `dev` keeps it."""
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,62}")


def find_bindir(bindir: str | Path | None = None) -> Path:
    """Find the directory holding the PostgreSQL server binaries.

    Debian keeps them off PATH in `/usr/lib/postgresql/<version>/bin`. An explicit
    `bindir` (or `BACKEND_AGENT_PG_BINDIR`) is used alone, so a wrong one fails loudly
    instead of silently picking another version.

    Raises:
        ServiceError: no directory with `initdb` and `postgres` was found.
    """
    explicit = bindir if bindir is not None else os.environ.get(BINDIR_ENV)
    if explicit is not None:
        candidates = [Path(explicit)]
    else:
        candidates = []
        pg_config = shutil.which("pg_config")
        if pg_config is not None:
            result = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=False
            )
            candidates.append(Path(result.stdout.strip()))
        versions = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += [Path(p) for p in sorted(versions, key=_version_key, reverse=True)]
        on_path = shutil.which("postgres")
        if on_path is not None:
            candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if all(os.access(candidate / name, os.X_OK) for name in ("initdb", "postgres")):
            return candidate
    where = f" in {explicit}" if explicit is not None else ""
    raise ServiceError(
        f"PostgreSQL server binaries (initdb, postgres) not found{where}: install the "
        f"Debian package `postgresql`, set {BINDIR_ENV}, or set {URL_ENV} to use your own server"
    )


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", Path(path).parent.name))


class LocalPostgres(LocalServer):
    """A PostgreSQL server for one run: a throwaway cluster, or the user's server.

    A throwaway cluster is created on the first `start()` in a private directory under
    /tmp and listens on 127.0.0.1 on a free port with trust authentication. A watchdog
    process deletes it when this process ends in any way, SIGKILL included.
    """

    kind = "PostgreSQL"
    product = "PostgreSQL"
    policy = _POLICY

    def __init__(
        self, url: str | None = None, *, bindir: str | Path | None = None, durable: bool = False
    ) -> None:
        """Prepare, without starting anything.

        Args:
            url: the user's server as `postgresql://user:pass@host:port/db`; when given,
                nothing is ever started or stopped and `url()` builds on it.
            bindir: the directory with `initdb` and `postgres` (default: searched).
            durable: fsync and synchronous commit on (for `dev` and `demo`, where a user
                keeps data); off by default, for tests.
        """
        self._external = urlsplit(url) if url is not None else None
        self._bindir = bindir
        self._found_bindir: Path | None = None
        if self._external is not None:
            host, port = self._external.hostname or "localhost", self._external.port or 5432
            super().__init__(host, port, external=True)
        else:
            super().__init__("127.0.0.1", 0, external=False, durable=durable)

    def url(self, database: str = "postgres", *, driver: str = "postgresql+asyncpg") -> str:
        """A SQLAlchemy-style URL for `database`; `driver="postgresql"` suits libpq tools."""
        if self._external is not None:
            parts = self._external._replace(scheme=driver, path="/" + quote(database))
            return urlunsplit(parts)
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{quote(database)}"

    def create_database(self, name: str) -> str:
        """Create an empty database `name`, dropping any previous one; return its URL.

        Raises:
            ValueError: `name` is not a plain identifier.
            ServiceError: `psql` is missing or the server refused.
        """
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        maintenance = self._maintenance_url()
        statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
        argv = [self._psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", maintenance]
        for statement in statements:
            argv += ["-c", statement]
        result = subprocess.run(argv, capture_output=True, text=True, env=server_env(), check=False)
        if result.returncode != 0:
            detail = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.returncode}"]
            raise ServiceError(
                f"could not create database {name!r} on {self.host}:{self.port}: {detail[0]}"
            )
        logger.debug("created database %s on %s:%d", name, self.host, self.port)
        return self.url(name)

    def _maintenance_url(self) -> str:
        if self._external is not None and self._external.path.strip("/"):
            return self.url(self._external.path.strip("/"), driver="postgresql")
        return self.url("postgres", driver="postgresql")

    def _binary(self, name: str) -> str:
        if self._found_bindir is None:
            self._found_bindir = find_bindir(self._bindir)
        return str(self._found_bindir / name)

    def _psql(self) -> str:
        if self._external is None:
            return self._binary("psql")
        try:
            return self._binary("psql")
        except ServiceError:
            found = shutil.which("psql")
            if found is None:
                raise ServiceError(
                    f"creating a database on {self.host}:{self.port} needs the `psql` client: "
                    "install the Debian package `postgresql-client`, or create it yourself"
                ) from None
            return found

    def _prepare(self) -> Watchdog:
        """`initdb` a new cluster in a private directory (as the `postgres` user when root)."""
        initdb = self._binary("initdb")
        user = SERVER_USER if is_root() else None
        if user is not None:
            _require_user(user)
        watchdog = Watchdog(make_workdir("backend-agent-pg-", user))
        workdir = watchdog.workdir
        argv = [
            initdb,
            "-D",
            str(workdir / "data"),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
            *([] if self.durable else ["--no-sync"]),
        ]
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=workdir,
            env=server_env(),
            user=user,
            group=user,
            extra_groups=[] if user is not None else None,
            check=False,
        )
        if result.returncode != 0:
            watchdog.close()
            output = (result.stdout + result.stderr).strip().splitlines()[-10:]
            raise ServiceError(
                f"initdb failed with exit code {result.returncode}:"
                + "".join(f"\n  {line}" for line in output)
            )
        return watchdog

    def _launch(self, watchdog: Watchdog) -> None:
        workdir = watchdog.workdir
        data, log = workdir / "data", workdir / "postgres.log"
        argv = [
            self._binary("postgres"),
            "-D",
            str(data),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-k",
            str(workdir),
        ]
        for key, value in {**_SETTINGS, **({} if self.durable else _FAST)}.items():
            argv += ["-c", f"{key}={value}"]
        user = SERVER_USER if is_root() else None
        self._run_until_ready(
            watchdog, argv, log=log, ready=lambda pid: _accepting(data, pid), user=user
        )


def _require_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise ServiceError(
            f"PostgreSQL refuses to run as root and there is no `{name}` user: install the "
            f"Debian package `postgresql` or run `useradd --system {name}`"
        ) from None


def _accepting(data: Path, pid: int) -> bool:
    """Whether `postmaster.pid` says our postmaster accepts connections (as `pg_ctl -w`)."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) > 7 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"


@contextmanager
def local_postgres(
    url: str | None = None, *, bindir: str | Path | None = None, durable: bool = False
) -> Iterator[LocalPostgres]:
    """Yield a running PostgreSQL, closing it (and deleting its data) on the way out.

    Args:
        url: the user's server; default `BACKEND_AGENT_POSTGRES_URL`, and when neither
            is set a throwaway cluster is started.
        bindir: the directory with the server binaries (default: searched).
        durable: keep every acknowledged commit through a crash (see `LocalPostgres`).
    """
    server = LocalPostgres(url or os.environ.get(URL_ENV) or None, bindir=bindir, durable=durable)
    with running(server):
        yield server
