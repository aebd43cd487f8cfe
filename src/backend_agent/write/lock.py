"""One writer per project: a command that changes a project holds its lock from load to write.

Without it, two commands started together both read the same blueprint and the same
migrations, and the last one to write wins: the other's resource vanishes and both
migrations take the same revision number. The lock is an advisory `flock` on a file in the
state folder, so the operating system releases it when a command dies. A second command
waits a few seconds for the first, then refuses in one line naming it.

Inside one run the lock is re-entrant: `ask` holds it for the whole run and the operations
its tools call (in worker threads that inherit the run's context) pass straight through.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from backend_agent.blueprint import BLUEPRINT_FILE
from backend_agent.errors import ProjectBusyError
from backend_agent.write.state import LOCK_FILE

WAIT_SECONDS = 10.0
"""How long a command waits for another to finish before refusing."""
POLL_SECONDS = 0.05

_held: ContextVar[frozenset[Path]] = ContextVar("held_project_locks", default=frozenset())


@contextmanager
def project_lock(root: Path, command: str, *, wait: float | None = None) -> Iterator[None]:
    """Hold the project's lock for `command` (a label shown to anyone who has to wait).

    A folder that is not a project yet (no backend.toml) is not locked: there is no state
    to protect, and creating a state folder there would litter it.

    Raises:
        ProjectBusyError: another command kept the project for longer than `wait` seconds
            (default `WAIT_SECONDS`).
    """
    root = root.resolve()
    if root in _held.get() or not (root / BLUEPRINT_FILE).is_file():
        yield
        return
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(descriptor, path, WAIT_SECONDS if wait is None else wait)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "command": command}).encode(), 0)
        token = _held.set(_held.get() | {root})
        try:
            yield
        finally:
            _held.reset(token)
            os.ftruncate(descriptor, 0)  # still held: nobody reads a stale holder
    finally:
        os.close(descriptor)  # releases the lock


def _acquire(descriptor: int, path: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ProjectBusyError(
                    f"another backend-agent command ({_holder(path)}) is changing "
                    f"{path.parents[2]}; run this again when it has finished"
                ) from None
            time.sleep(POLL_SECONDS)


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text())
        return f"`{holder['command']}`, process {holder['pid']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "one that just started"
