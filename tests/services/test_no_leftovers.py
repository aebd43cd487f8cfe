"""Nothing outlives its owner: not after a signal, not after SIGKILL, not after a crash.

Each test starts servers in a child Python process (or kills the watchdog itself) and
then looks for what could be left: server processes, processes still working inside
the server's directory (PostgreSQL backends chdir into it), open ports, the directory.
"""

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from backend_agent.services import LocalMongo, LocalPostgres
from backend_agent.services.process import port_is_open

CHILD = textwrap.dedent(
    """
    import json, signal, sys, time
    from backend_agent.services import local_mongo, local_postgres

    # Ctrl-C as a terminal delivers it, even when the suite runs as a background job (a
    # shell starts those with SIGINT ignored, and the child would inherit that).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    with local_postgres() as pg, local_mongo() as mongo:
        servers = [
            {"pid": s.pid, "port": s.port, "workdir": str(s.workdir)} for s in (pg, mongo)
        ]
        print(json.dumps(servers), flush=True)
        time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (nobody reaps in some containers) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def _working_in(directory: str) -> list[int]:
    """Live processes whose current directory is inside `directory`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(directory) and _alive(int(entry.name)):
            pids.append(int(entry.name))
    return pids


def _leftovers(server: dict[str, object]) -> list[str]:
    pid, port, workdir = int(str(server["pid"])), int(str(server["port"])), str(server["workdir"])
    found = []
    if _alive(pid):
        found.append(f"server process {pid}")
    if port_is_open("127.0.0.1", port):
        found.append(f"port {port}")
    if Path(workdir).exists():
        found.append(f"directory {workdir}")
    found += [f"process {p} in {workdir}" for p in _working_in(workdir)]
    return found


def _wait_for_nothing_left(servers: list[dict[str, object]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = [item for server in servers for item in _leftovers(server)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert left == []


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name
)
def test_servers_die_with_their_parent(sig: signal.Signals) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the child did not start its servers in 30 s"
        servers = json.loads(child.stdout.readline())
        assert all(_alive(server["pid"]) for server in servers)

        child.send_signal(sig)
        child.wait(timeout=30)  # SIGINT and SIGTERM stop both servers cleanly first

        _wait_for_nothing_left(servers)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()


@pytest.mark.parametrize("kind", [LocalPostgres, LocalMongo])
def test_a_killed_watchdog_takes_its_server_along(
    kind: Callable[[], LocalPostgres | LocalMongo],
) -> None:
    server = kind()
    try:
        server.start()
        assert server.pid is not None and server.workdir is not None
        pid, port, workdir = server.pid, server.port, server.workdir

        os.kill(_parent_of(pid), signal.SIGKILL)

        deadline = time.monotonic() + 10
        while (_alive(pid) or port_is_open("127.0.0.1", port)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)
        assert not port_is_open("127.0.0.1", port)
    finally:
        server.close()
    assert not workdir.exists()
