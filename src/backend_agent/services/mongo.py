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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

from backend_agent.errors import ServiceError
from backend_agent.services.process import (
    StopPolicy,
    Watchdog,
    free_port,
    make_workdir,
    not_managed,
    port_is_open,
    wait_until_ready,
)

logger = logging.getLogger(__name__)

URL_ENV = "BACKEND_AGENT_MONGO_URL"
"""Names the user's own server: when set, nothing is started."""

_POLICY = StopPolicy(stop_signal=signal.SIGTERM, stop_timeout=30.0, kill_signal=signal.SIGKILL)
"""SecantusDB closes WiredTiger cleanly on SIGTERM (a few seconds); SIGKILL when discarding."""
_PORT_ATTEMPTS = 3


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


class LocalMongo:
    """A MongoDB server for one run: a throwaway SecantusDB, or the user's server.

    The throwaway server keeps its data in a private temporary directory, listens on
    127.0.0.1 on a free port, and is deleted by a watchdog when this process ends in any
    way, SIGKILL included.
    """

    host: str
    """Where the server listens."""
    port: int
    """The server's TCP port; `start()` after `stop()` reuses it."""

    def __init__(self, url: str | None = None) -> None:
        """Prepare, without starting anything.

        Args:
            url: the user's server (`mongodb://...`); when given, nothing is ever
                started or stopped and `url()` returns it unchanged.
        """
        self._external = url
        self._watchdog: Watchdog | None = None
        self._pid: int | None = None
        if url is not None:
            self.host, self.port = _first_host(url)
        else:
            self.host = "127.0.0.1"
            self.port = 0

    @property
    def external(self) -> bool:
        """Whether this is the user's server, which we never start or stop."""
        return self._external is not None

    @property
    def pid(self) -> int | None:
        """The server's process id while a throwaway server runs."""
        return self._pid

    @property
    def workdir(self) -> Path | None:
        """The throwaway server's directory (data, config, log), deleted by `close()`."""
        return None if self._watchdog is None else self._watchdog.workdir

    def url(self) -> str:
        """A connection string for `pymongo.AsyncMongoClient` (or `MongoClient`)."""
        if self._external is not None:
            return self._external
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def start(self) -> None:
        """Start the throwaway server, creating its directory on the first call.

        After `stop()` it comes back on the same port with the same data.

        Raises:
            ServiceError: SecantusDB is missing or the server did not start.
        """
        if self._external is not None:
            raise not_managed("MongoDB", self.host, self.port)
        if self._pid is not None:
            return
        began = time.monotonic()
        if self._watchdog is None:
            command = secantus_command()
            self._watchdog = Watchdog(make_workdir("backend-agent-mongo-", None))
            (self._watchdog.workdir / "secantusd.toml").write_text("")  # no auto-discovery
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                self.port = free_port(self.host)
                try:
                    self._launch(command)
                    break
                except ServiceError as error:
                    if attempt == _PORT_ATTEMPTS or "in use" not in str(error):
                        raise
                    logger.info("port %d was taken meanwhile: trying another one", self.port)
        else:
            self._launch(secantus_command())
        logger.info(
            "SecantusDB ready on %s:%d in %.2f s", self.host, self.port, time.monotonic() - began
        )

    def _launch(self, command: list[str]) -> None:
        assert self._watchdog is not None
        workdir = self._watchdog.workdir
        log = workdir / "secantusd.log"
        argv = [
            *command,
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
        ]
        pid = self._watchdog.run(argv, log=log, policy=_POLICY)
        try:
            wait_until_ready(
                partial(port_is_open, self.host, self.port),
                self._watchdog,
                what=f"SecantusDB on {self.host}:{self.port}",
                log=log,
            )
        except ServiceError:
            self._watchdog.stop(_POLICY)
            raise
        self._pid = pid

    def stop(self) -> None:
        """Shut the server down cleanly (a few seconds) and keep its data for `start()`."""
        if self._external is not None:
            raise not_managed("MongoDB", self.host, self.port)
        if self._watchdog is None or self._pid is None:
            return
        began = time.monotonic()
        self._watchdog.stop(_POLICY)
        self._pid = None
        logger.info("SecantusDB on port %d stopped in %.2f s", self.port, time.monotonic() - began)

    def close(self) -> None:
        """Kill the server and delete its data; safe to call twice, a no-op for a URL."""
        watchdog, self._watchdog, self._pid = self._watchdog, None, None
        if watchdog is not None:
            watchdog.close()
            logger.info("SecantusDB on port %d closed", self.port)


@contextmanager
def local_mongo(url: str | None = None) -> Iterator[LocalMongo]:
    """Yield a running MongoDB server, closing it (and deleting its data) on the way out.

    Args:
        url: the user's server; default `BACKEND_AGENT_MONGO_URL`, and when neither is
            set a throwaway SecantusDB is started.
    """
    url = url or os.environ.get(URL_ENV) or None
    server = LocalMongo(url)
    try:
        if url is None:
            server.start()
        yield server
    finally:
        server.close()
