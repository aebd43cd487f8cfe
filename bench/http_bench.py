"""Load a generated backend and three hand-written anchors with wrk; print figures.

Apps, each run by uvicorn on the same throwaway PostgreSQL and SecantusDB, each with a pool of
`--pool-size` connections per worker:

- minimal: Starlette + asyncpg + AsyncMongoClient, no framework layers (`minimal_app.py`)
- fastapi+asyncpg: FastAPI + Pydantic + raw asyncpg, no ORM (`fastapi_asyncpg_app.py`)
- naive sqlmodel: FastAPI + SQLModel AsyncSession, a transaction per request
  (`naive_sqlmodel_app.py`)
- generated: the reference backend without its accounts, as `backend-agent new` writes it
  (with `--workers 2`, the same on two uvicorn workers, each with its own pool)

Requests: GET /users/{id}, POST /users (a new email each time), GET /users?limit=50 and
GET /preferences/{id} (MongoDB; only the minimal and generated apps serve it). Every round
starts each app afresh, in an order rotated from the round before; each figure is the median
of the rounds. A row fails when any answer in any round was not 2xx or a socket failed (wrk's
"Non-2xx" and "Socket errors" lines). Ratios: req/s against the minimal app, p99 against the
FastAPI + asyncpg app.

Usage: python bench/http_bench.py [--seconds 8] [--rounds 3] [--connections 32 128]
       [--pool-size 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx

from backend_agent import operations, reference
from backend_agent.serve import migrate
from backend_agent.services import local_mongo, local_postgres
from backend_agent.services.process import free_port

HERE = Path(__file__).parent
MINIMAL = "minimal"
FASTAPI_ASYNCPG = "fastapi+asyncpg"
# Every request creates a user with a new email: run tag, thread number and a counter.
POST_SCRIPT = """
local threads = 0
function setup(thread)
  thread:set("number", threads)
  threads = threads + 1
end
function init(args)
  tag = args[1]
  counter = 0
end
function request()
  counter = counter + 1
  local email = string.format("u%s-%d-%d@example.com", tag, number, counter)
  local body = '{"name":"Bench","email":"' .. email .. '"}'
  return wrk.format("POST", "/users", {["Content-Type"] = "application/json"}, body)
end
"""


@dataclass(frozen=True)
class App:
    name: str
    command: list[str]
    cwd: Path
    serves_mongo: bool


@dataclass(frozen=True)
class Request:
    label: str
    path: str
    script: Path | None
    mongo: bool = False


@dataclass(frozen=True)
class Sample:
    """One wrk run."""

    rate: float
    p50_ms: float
    p99_ms: float
    failures: int
    """Answers that were not 2xx, plus socket errors."""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def start_app(app: App, env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *app.command,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=app.cwd,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{url}/users/1", timeout=1).status_code in (200, 404):
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{app.name} did not start")


def stop_app(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait()


def run_wrk(wrk: str, url: str, seconds: int, connections: int, script: Path | None) -> Sample:
    # A long timeout: a slow answer counts in the latency figures instead of being dropped.
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    if script is not None:
        command += ["-s", str(script), url, "--", str(time.time_ns())]
    else:
        command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(_find(r"Requests/sec:\s+([\d.]+)", output))
    non_2xx = int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", output, "0"))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = sum(int(n) for n in socket.groups()) if socket else 0
    return Sample(rate, _latency("50", output), _latency("99", output), non_2xx + socket_errors)


def _find(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is None:
            raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
        return default
    return found.group(1)


def _latency(percent: str, output: str) -> float:
    value, unit = re.search(rf"\b{percent}%\s+([\d.]+)(us|ms|s)\b", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def seed(url: str) -> tuple[int, str]:
    """60 users (a full page of 50 to list), and a preference; returns their ids."""
    ids = [
        httpx.post(f"{url}/users", json={"name": "Seed", "email": f"seed{n}@example.com"}).json()[
            "id"
        ]
        for n in range(60)
    ]
    preference = httpx.post(f"{url}/preferences", json={"user_id": ids[0]}).json()
    return ids[0], preference["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="Also run the generated app so.")
    parser.add_argument("--project", type=Path, help="Load this generated project instead.")
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as folder, local_postgres() as pg, local_mongo() as mongo:
        root = args.project or Path(folder) / "bench"
        if args.project is None:
            operations.new_project(root, blueprint=reference.without_accounts(Path(folder)))
        pool = str(args.pool_size)
        env = {
            **os.environ,
            "DATABASE_URL": pg.create_database("bench"),
            "MONGODB_URL": mongo.url(),
            "MONGODB_DATABASE": "bench",
            "LOG_LEVEL": "WARNING",
            "BENCH_POOL_SIZE": pool,
            "DATABASE_POOL_SIZE": pool,
        }
        migrate(root, env)
        script = Path(folder) / "post.lua"
        script.write_text(POST_SCRIPT)
        generated = App("generated", ["app.main:create_app", "--factory"], root, True)
        apps: list[tuple[App, int]] = [
            (App(MINIMAL, ["minimal_app:app"], HERE, True), 1),
            (App(FASTAPI_ASYNCPG, ["fastapi_asyncpg_app:app"], HERE, False), 1),
            (App("naive sqlmodel", ["naive_sqlmodel_app:app"], HERE, False), 1),
            (generated, 1),
        ]
        if args.workers > 1:
            several = App(f"generated x{args.workers}", generated.command, root, True)
            apps.append((several, args.workers))
        process, url = start_app(generated, env, 1)
        try:
            user_id, preference_id = seed(url)
        finally:
            stop_app(process)
        requests = [
            Request("GET /users/{id}", f"/users/{user_id}", None),
            Request("POST /users", "/users", script),
            Request("GET /users?limit=50", "/users?limit=50", None),
            Request("GET /preferences/{id}", f"/preferences/{preference_id}", None, mongo=True),
        ]
        samples: dict[tuple[str, str, int], list[Sample]] = defaultdict(list)
        for round_number in range(args.rounds):
            shift = round_number % len(apps)
            for app, workers in apps[shift:] + apps[:shift]:
                process, url = start_app(app, env, workers)
                try:
                    for request in requests:
                        if request.mongo and not app.serves_mongo:
                            continue
                        for connections in args.connections:
                            run_wrk(wrk, url + request.path, 1, connections, request.script)
                            sample = run_wrk(
                                wrk, url + request.path, args.seconds, connections, request.script
                            )
                            samples[(app.name, request.label, connections)].append(sample)
                finally:
                    stop_app(process)
                print(f"round {round_number + 1}/{args.rounds}: {app.name} done", flush=True)
    report(args, [app.name for app, _ in apps], requests, samples)


def report(
    args: argparse.Namespace,
    apps: list[str],
    requests: list[Request],
    samples: dict[tuple[str, str, int], list[Sample]],
) -> None:
    print(
        f"\nwrk -t2 -d{args.seconds}s, {args.rounds} rounds (medians), pool {args.pool_size} "
        "connections per worker, one uvicorn worker unless named, same databases"
    )
    header = (
        f"{'request':<24}{'app':<18}{'req/s':>8}{'x min':>7}{'p50 ms':>8}{'p99 ms':>9}"
        f"{'p99 x fa':>9}  result"
    )
    for connections in args.connections:
        print(f"\n{connections} connections\n{header}")
        for request in requests:
            minimal = _median(samples[(MINIMAL, request.label, connections)])
            anchor = samples.get((FASTAPI_ASYNCPG, request.label, connections))
            anchor_p99 = _median(anchor).p99_ms if anchor else None
            for app in apps:
                runs = samples.get((app, request.label, connections))
                if not runs:
                    continue
                median = _median(runs)
                failures = sum(run.failures for run in runs)
                result = "ok" if failures == 0 else f"FAIL: {failures} non-2xx/socket errors"
                p99_ratio = f"{median.p99_ms / anchor_p99:>9.2f}" if anchor_p99 else f"{'-':>9}"
                print(
                    f"{request.label:<24}{app:<18}{median.rate:>8.0f}"
                    f"{median.rate / minimal.rate:>7.2f}{median.p50_ms:>8.1f}{median.p99_ms:>9.1f}"
                    f"{p99_ratio}  {result}"
                )


def _median(runs: list[Sample]) -> Sample:
    return Sample(
        statistics.median(run.rate for run in runs),
        statistics.median(run.p50_ms for run in runs),
        statistics.median(run.p99_ms for run in runs),
        sum(run.failures for run in runs),
    )


if __name__ == "__main__":
    main()
