"""A throwaway MongoDB-compatible server (SecantusDB), or a user's server given by URL.

No `mongod` can be installed on our machines, so `verify`, `dev`, `demo` and our tests
use SecantusDB, a MongoDB wire-protocol server. It is GPL-2.0 and beta: we only ever
start it as a separate process and talk to it over the wire, never import it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from urllib.parse import urlsplit

from backend_agent.errors import ServiceError
from backend_agent.services.process import (
    StopPolicy,
    Watchdog,
    make_workdir,
    port_is_open,
)
from backend_agent.services.server import LocalServer, running

logger = logging.getLogger(__name__)

URL_ENV = "BACKEND_AGENT_MONGO_URL"
"""Names the user's own server: when set, nothing is started."""

_POLICY = StopPolicy(stop_signal=signal.SIGTERM, stop_timeout=30.0, kill_signal=signal.SIGKILL)
"""SecantusDB closes WiredTiger cleanly on SIGTERM (a few seconds); SIGKILL when discarding."""


def secantus_command() -> list[str]:
    """The command that runs SecantusDB with this interpreter.

    Raises:
        ServiceError: SecantusDB is not installed here.
    """
    if find_spec("secantus") is None:
        raise ServiceError(
            "SecantusDB not installed: pip install secantusdb "
            f"(or set {URL_ENV} to use your own MongoDB)"
        )
    return [sys.executable, "-m", "secantus"]


def _first_host(url: str) -> tuple[str, int]:
    """The first `host:port` of a MongoDB URL (for messages; the URL itself is used as is)."""
    first = urlsplit(url).netloc.rpartition("@")[2].split(",")[0]
    host, sep, port = first.rpartition(":")
    if not sep or not port.isdigit():  # no port, or a bare IPv6 address
        host, port = first, ""
    return host.strip("[]") or "localhost", int(port) if port else 27017


class LocalMongo(LocalServer):
    """A MongoDB server for one run: a throwaway SecantusDB, or the user's server.

    The throwaway server keeps its data in a private temporary directory, listens on
    127.0.0.1 on a free port, and is deleted by a watchdog when this process ends in any
    way, SIGKILL included.
    """

    kind = "MongoDB"
    product = "SecantusDB"
    policy = _POLICY

    def __init__(self, url: str | None = None, *, durable: bool = False) -> None:
        """Prepare, without starting anything.

        Args:
            url: the user's server (`mongodb://...`); when given, nothing is ever
                started or stopped and `url()` returns it unchanged.
            durable: sync every write before acknowledging it (for `dev` and `demo`).
        """
        self._external = url
        if url is not None:
            super().__init__(*_first_host(url), external=True)
        else:
            super().__init__("127.0.0.1", 0, external=False, durable=durable)

    def url(self) -> str:
        """A connection string for `pymongo.AsyncMongoClient` (or `MongoClient`)."""
        if self._external is not None:
            return self._external
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def _prepare(self) -> Watchdog:
        secantus_command()  # fail early, before creating anything, when it is missing
        watchdog = Watchdog(make_workdir("backend-agent-mongo-", None))
        (watchdog.workdir / "secantusd.toml").write_text("")  # no auto-discovery
        return watchdog

    def _launch(self, watchdog: Watchdog) -> None:
        workdir = watchdog.workdir
        argv = [
            *secantus_command(),
            "--config",
            str(workdir / "secantusd.toml"),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            str(workdir / "data"),
            "--log-level",
            "WARNING",
            *(["--sync-on-commit"] if self.durable else []),
        ]
        self._run_until_ready(
            watchdog,
            argv,
            log=workdir / "secantusd.log",
            ready=lambda _pid: port_is_open(self.host, self.port),
        )


@contextmanager
def local_mongo(url: str | None = None, *, durable: bool = False) -> Iterator[LocalMongo]:
    """Yield a running MongoDB server, closing it (and deleting its data) on the way out.

    Args:
        url: the user's server; default `BACKEND_AGENT_MONGO_URL`, and when neither is
            set a throwaway SecantusDB is started.
        durable: sync every write before acknowledging it (see `LocalMongo`).
    """
    with running(LocalMongo(url or os.environ.get(URL_ENV) or None, durable=durable)) as server:
        yield server
