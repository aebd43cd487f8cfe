"""The watchdog program: owns one throwaway server and its work directory for a parent.

A parent that is SIGKILLed runs no clean-up code at all, so the servers it started
would outlive it. `process.Watchdog` therefore starts this file as a separate program
(`python -I watchdog.py PARENT_PID WORKDIR`, standard library only, so it never depends
on how the parent found `backend_agent`) and lets it start the server as its own child.
Three things then guarantee that nothing is left behind:

* the watchdog waits on a pidfd of the parent and on its stdin pipe; when the parent
  disappears (or SIGTERM/SIGHUP reach the watchdog) it stops the server and deletes
  the work directory;
* the server is started with `PR_SET_PDEATHSIG`, so if the watchdog itself is killed the
  kernel signals the server; the watchdog is single-threaded, so the "parent thread"
  that setting watches is the watchdog's whole life;
* the watchdog runs in its own session and ignores SIGINT, so a Ctrl-C in the terminal
  reaches only the parent, which then stops the server in order.

Protocol: one JSON object per line on stdin (`{"op": "run" | "poll" | "stop" | "exit"}`),
one JSON reply per request on stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

PR_SET_PDEATHSIG = 1
"""`prctl` option: signal this process when the thread that forked it exits."""

POLL_INTERVAL = 0.2
"""Seconds between parent checks where pidfds are unavailable."""


class ParentGone(Exception):
    """The parent exited, closed our stdin or asked us to terminate."""


def _raise_parent_gone(signum: int, frame: FrameType | None) -> None:
    raise ParentGone(signal.Signals(signum).name)


def _die_with_watchdog(sig: int) -> Callable[[], None]:
    """Return a `preexec_fn` that makes the kernel send `sig` to the server when we die.

    It also covers the watchdog dying between `fork` and `prctl`: then the child's
    parent is no longer us and it signals itself at once.
    """
    watchdog_pid = os.getpid()
    try:
        prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):  # not Linux: the pidfd/poll watch still applies
        prctl = None

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != watchdog_pid:
            os.kill(os.getpid(), sig)

    return preexec


class ParentWatch:
    """Tells whether the parent is still alive, race-free where pidfds exist."""

    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self.fd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self.fd = os.pidfd_open(parent_pid)
        if os.getppid() != parent_pid:  # it died before the pidfd was taken
            raise ParentGone("parent exited during start-up")

    def check(self) -> None:
        """Raise `ParentGone` if we have been re-parented, i.e. the parent died."""
        if os.getppid() != self.parent_pid:
            raise ParentGone("parent exited")


class Server:
    """The one server process this watchdog owns."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.kill_signal = signal.SIGKILL

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Start the server described by `request`; reply with its pid."""
        if self.proc is not None and self.proc.poll() is None:
            return {"error": "a server is already running"}
        self.kill_signal = signal.Signals(request["kill_signal"])
        user = request.get("user")
        with open(request["log"], "ab") as log:
            self.proc = subprocess.Popen(
                request["argv"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=request["cwd"],
                env=request["env"],
                user=user,
                group=request.get("group"),
                extra_groups=[] if user is not None else None,
                preexec_fn=_die_with_watchdog(self.kill_signal),
            )
        return {"pid": self.proc.pid}

    def poll(self) -> dict[str, Any]:
        """Reply with the server's exit code, or null while it runs."""
        return {"returncode": None if self.proc is None else self.proc.poll()}

    def stop(self, steps: list[tuple[int, float]]) -> dict[str, Any]:
        """Send each signal in turn until the server exits; SIGKILL as a last resort."""
        proc = self.proc
        if proc is None:
            return {"returncode": None}
        for sig, timeout in [*steps, (signal.SIGKILL, 30.0)]:
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
        self.proc = None  # only now: a SIGTERM meanwhile leaves it to `discard()`
        return {"returncode": proc.returncode}

    def discard(self) -> None:
        """Stop the server fast, its data is about to be deleted."""
        self.stop([(self.kill_signal, 5.0)])


def _reply(message: dict[str, Any]) -> None:
    try:
        os.write(sys.stdout.fileno(), json.dumps(message).encode() + b"\n")
    except OSError as error:  # the parent closed its end: it is gone
        raise ParentGone("stdout closed") from error


def _serve(watch: ParentWatch, server: Server) -> None:
    """Answer requests until the parent says `exit` (return) or disappears (raise)."""
    stdin = sys.stdin.fileno()
    buffer = b""
    watched = [stdin] if watch.fd is None else [stdin, watch.fd]
    while True:
        readable, _, _ = select.select(watched, [], [], POLL_INTERVAL)
        watch.check()
        if watch.fd is not None and watch.fd in readable:
            raise ParentGone("parent exited")
        if stdin not in readable:
            continue
        chunk = os.read(stdin, 65536)
        if not chunk:
            raise ParentGone("stdin closed")
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            op = request["op"]
            if op == "exit":
                return
            if op == "run":
                _reply(server.run(request))
            elif op == "poll":
                _reply(server.poll())
            elif op == "stop":
                _reply(server.stop([(int(s), float(t)) for s, t in request["steps"]]))
            else:
                _reply({"error": f"unknown op {op!r}"})


def main(argv: list[str]) -> int:
    """Watch the parent, serve its requests, and always clean up on the way out."""
    parent_pid, workdir = int(argv[1]), Path(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _raise_parent_gone)
    signal.signal(signal.SIGHUP, _raise_parent_gone)
    server = Server()
    try:
        _serve(ParentWatch(parent_pid), server)
    except ParentGone:
        pass
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        server.discard()
        shutil.rmtree(workdir, ignore_errors=True)
    with contextlib.suppress(ParentGone):
        _reply({"ok": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
