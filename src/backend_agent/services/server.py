"""What a throwaway PostgreSQL and a throwaway SecantusDB have in common.

Both run under a `Watchdog` in a private directory, start on a free port (retrying when
another process takes it first), come back on the same port after `stop()`, and are
deleted by `close()`. A server given by URL is the user's: it is never started or stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, TypeVar

from backend_agent.errors import ServiceError
from backend_agent.services.process import (
    StopPolicy,
    Watchdog,
    free_port,
    not_managed,
    wait_until_ready,
)

logger = logging.getLogger(__name__)

PORT_ATTEMPTS = 3
ServerT = TypeVar("ServerT", bound="LocalServer")


class LocalServer:
    """A database server for one run. Subclasses say how to prepare and launch theirs."""

    kind: ClassVar[str]
    """What the user's server is called in messages ("PostgreSQL", "MongoDB")."""
    product: ClassVar[str]
    """What the throwaway server is called in logs ("PostgreSQL", "SecantusDB")."""
    policy: ClassVar[StopPolicy]
    host: str
    """Where the server listens."""
    port: int
    """The server's TCP port; `start()` after `stop()` reuses it."""

    def __init__(self, host: str, port: int, *, external: bool, durable: bool = False) -> None:
        self.host = host
        self.port = port
        self.durable = durable
        """Whether an acknowledged write survives the server process being killed (`dev`,
        `demo`); the tests and `verify` trade that for speed."""
        self._is_external = external
        self._watchdog: Watchdog | None = None
        self._pid: int | None = None

    @property
    def external(self) -> bool:
        """Whether this is the user's server, which we never start or stop."""
        return self._is_external

    @property
    def pid(self) -> int | None:
        """The server's process id while a throwaway server runs."""
        return self._pid

    @property
    def workdir(self) -> Path | None:
        """The throwaway server's directory (data, config, log), deleted by `close()`."""
        return None if self._watchdog is None else self._watchdog.workdir

    def _prepare(self) -> Watchdog:
        """Create the server's directory (and data) under a new watchdog; first start only."""
        raise NotImplementedError

    def _launch(self, watchdog: Watchdog) -> None:
        """Run the server on `self.port` under `watchdog` until it accepts connections."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the throwaway server, creating it on the first call.

        After `stop()` it comes back on the same port with the same data, which is how
        tests simulate a database that went away and returned.

        Raises:
            ServiceError: the server is the user's, or it could not be prepared or started.
        """
        if self._is_external:
            raise not_managed(self.kind, self.host, self.port)
        if self._pid is not None:
            return
        began = time.monotonic()
        if self._watchdog is not None:
            self._launch(self._watchdog)
        else:
            self._watchdog = self._prepare()
            self._launch_on_a_free_port(self._watchdog)
        logger.info(
            "%s ready on %s:%d in %.2f s",
            self.product,
            self.host,
            self.port,
            time.monotonic() - began,
        )

    def _launch_on_a_free_port(self, watchdog: Watchdog) -> None:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.port = free_port(self.host)
            try:
                self._launch(watchdog)
                return
            except ServiceError as error:
                if attempt == PORT_ATTEMPTS or "in use" not in str(error):
                    raise
                logger.info("port %d was taken meanwhile: trying another one", self.port)

    def _run_until_ready(
        self,
        watchdog: Watchdog,
        argv: list[str],
        *,
        log: Path,
        ready: Callable[[int], bool],
        user: str | None = None,
    ) -> None:
        """Run `argv` under the watchdog and wait until `ready(pid)`; stop it if it never is."""
        pid = watchdog.run(argv, log=log, policy=self.policy, user=user)
        try:
            wait_until_ready(
                lambda: ready(pid),
                watchdog,
                what=f"{self.product} on {self.host}:{self.port}",
                log=log,
            )
        except ServiceError:
            watchdog.stop(self.policy)
            raise
        self._pid = pid

    def stop(self) -> None:
        """Shut the server down cleanly and keep its data for a later `start()`."""
        if self._is_external:
            raise not_managed(self.kind, self.host, self.port)
        if self._watchdog is None or self._pid is None:
            return
        began = time.monotonic()
        self._watchdog.stop(self.policy)
        self._pid = None
        logger.info(
            "%s on port %d stopped in %.2f s", self.product, self.port, time.monotonic() - began
        )

    def exited(self) -> int | None:
        """The exit code of a throwaway server that died on its own (its process is reaped,
        so a restart finds no stale lock); None while it runs, or when it is not ours."""
        if self._is_external or self._watchdog is None or self._pid is None:
            return None
        code = self._watchdog.returncode()
        if code is not None:
            self._pid = None
        return code

    def close(self) -> None:
        """Kill the server and delete its data; safe to call twice, a no-op for a URL."""
        watchdog, self._watchdog, self._pid = self._watchdog, None, None
        if watchdog is not None:
            watchdog.close()
            logger.info("%s on port %d closed", self.product, self.port)


@contextmanager
def running(server: ServerT) -> Iterator[ServerT]:
    """Start a throwaway server (not the user's) and close it, data and all, on the way out."""
    try:
        if not server.external:
            server.start()
        yield server
    finally:
        server.close()
