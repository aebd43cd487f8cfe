"""What both local servers share: free ports, work directories, the watchdog, readiness.

PostgreSQL and SecantusDB differ only in their command line and in how they say
"ready"; everything that keeps them from outliving us lives here, once.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from backend_agent.errors import ServiceError

logger = logging.getLogger(__name__)

_WATCHDOG_SCRIPT = Path(__file__).with_name("watchdog.py")
_REPLY_SLACK = 10.0
"""Seconds a watchdog may take beyond the work it was asked to do before we give up."""


def is_root() -> bool:
    """Whether we run as root, where database servers must run as another user."""
    return os.geteuid() == 0


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on `host` that nothing listens on right now.

    The kernel picks it, so parallel servers (pytest-xdist, several clusters in one
    test) get different ports; a tiny race remains until the server binds it, which
    callers handle by retrying with another port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def make_workdir(prefix: str, owner: str | None) -> Path:
    """Create a private temporary directory, owned by `owner` when one is given.

    As root the server runs as another user, who cannot reach a directory under
    `/root` or under a root-only `TMPDIR`: so the directory goes straight under /tmp.
    """
    if owner is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    entry = pwd.getpwnam(owner)
    os.chown(workdir, entry.pw_uid, entry.pw_gid)
    return workdir


def log_tail(path: Path, lines: int = 10) -> str:
    """The last lines of a server log, indented, to end an error message with."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
            text = log.read().decode(errors="replace")
    except OSError:
        return "\n  (no server log)"
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "".join(f"\n  {line}" for line in tail) if tail else "\n  (server log is empty)"


def server_env() -> dict[str, str]:
    """Our environment minus libpq's `PG*` variables, which would redirect the tools."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


@dataclass(frozen=True)
class StopPolicy:
    """How a server is stopped, kept per kind of server."""

    stop_signal: int
    """Asks for a clean shutdown that keeps the data (`stop()`)."""
    stop_timeout: float
    """Seconds to wait for the clean shutdown before forcing it."""
    kill_signal: int
    """Ends the server fast when its data is thrown away; also its parent-death signal."""


class Watchdog:
    """Parent-side handle on a `watchdog.py` process that owns one server and workdir.

    Create it before anything is written into `workdir`: from then on, however this
    process ends, the watchdog deletes the directory and stops the server.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._lock = threading.Lock()
        self._proc = subprocess.Popen(
            [sys.executable, "-I", str(_WATCHDOG_SCRIPT), str(os.getpid()), str(workdir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The watchdog's process id."""
        return self._proc.pid

    def _request(self, request: dict[str, Any], timeout: float = _REPLY_SLACK) -> dict[str, Any]:
        stdin, stdout = self._pipes()
        with self._lock:
            try:
                stdin.write(json.dumps(request).encode() + b"\n")
                stdin.flush()
            except OSError as error:
                raise ServiceError(f"the service watchdog died ({error}): try again") from error
            ready, _, _ = select.select([stdout], [], [], timeout)
            line = stdout.readline() if ready else b""
        if not line:
            raise ServiceError(f"the service watchdog did not answer {request['op']!r}")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise ServiceError(f"the service watchdog refused {request['op']!r}: {reply['error']}")
        return reply

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def run(
        self,
        argv: Sequence[str],
        *,
        log: Path,
        policy: StopPolicy,
        user: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> int:
        """Start `argv` as the watchdog's child (as `user` when given); return its pid."""
        reply = self._request(
            {
                "op": "run",
                "argv": list(argv),
                "log": str(log),
                "cwd": str(self.workdir),
                "env": dict(server_env() if env is None else env),
                "user": user,
                "group": None if user is None else pwd.getpwnam(user).pw_gid,
                "kill_signal": int(policy.kill_signal),
            }
        )
        pid: int = reply["pid"]
        return pid

    def returncode(self) -> int | None:
        """The server's exit code, or None while it runs (or when none was started)."""
        code: int | None = self._request({"op": "poll"})["returncode"]
        return code

    def stop(self, policy: StopPolicy) -> None:
        """Shut the server down cleanly (forcing it after the policy's timeout)."""
        steps = [(policy.stop_signal, policy.stop_timeout), (policy.kill_signal, 5.0)]
        self._request({"op": "stop", "steps": steps}, policy.stop_timeout + 5.0 + _REPLY_SLACK)

    def close(self) -> None:
        """Kill the server and delete the workdir, through the watchdog if it still lives."""
        if self._proc.poll() is None:
            stdin, _ = self._pipes()
            try:
                stdin.write(b'{"op": "exit"}\n')
                stdin.flush()
                self._proc.wait(timeout=15.0 + _REPLY_SLACK)
            except (OSError, subprocess.TimeoutExpired):
                logger.warning("service watchdog %d did not exit: killing it", self.pid)
                self._proc.send_signal(signal.SIGTERM)
                self._proc.wait()
        for pipe in self._pipes():
            pipe.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def not_managed(what: str, host: str, port: int) -> ServiceError:
    """The error for starting or stopping a server the user gave us by URL."""
    return ServiceError(
        f"the {what} server at {host}:{port} was given by URL and is not managed by "
        "backend-agent: it cannot be started or stopped here"
    )


def wait_until_ready(
    ready: Callable[[], bool],
    watchdog: Watchdog,
    *,
    what: str,
    log: Path,
    timeout: float = 30.0,
) -> None:
    """Poll `ready` until it is true; fail with the log's tail if the server exits first.

    Raises:
        ServiceError: the server exited during start-up or did not get ready in time.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        code = watchdog.returncode()
        if code is not None:
            raise ServiceError(
                f"{what} exited with code {code} during start-up; its log ends:{log_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise ServiceError(
                f"{what} was not ready after {timeout:.0f} s; its log ends:{log_tail(log)}"
            )
        time.sleep(0.02)
