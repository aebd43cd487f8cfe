"""Load the generated reference backend and a minimal hand-written app with wrk; print figures.

Both apps run as one uvicorn worker on the same throwaway PostgreSQL and SecantusDB, and get
the same requests: GET /users/{id}, POST /users (a new email each time) and
GET /preferences/{id}. Prints requests/s and p99 latency of each and the ratio
generated/minimal. Usage: python bench/http_bench.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from backend_agent import operations, reference
from backend_agent.serve import migrate
from backend_agent.services import local_mongo, local_postgres
from backend_agent.services.process import free_port

HERE = Path(__file__).parent
# Every request creates a user with a new email: thread number, run tag and a counter.
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


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def start_app(
    command: list[str], cwd: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *command,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=cwd,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/users/1", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{command} did not start")


def run_wrk(
    wrk: str, url: str, seconds: int, connections: int, script: Path | None
) -> tuple[float, float]:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script), url, "--", str(time.time_ns())]
    else:
        command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--project", type=Path, help="Load this generated project instead.")
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as folder, local_postgres() as pg, local_mongo() as mongo:
        root = args.project or Path(folder) / "reference"
        if args.project is None:
            operations.new_project(root, blueprint=Path(str(reference.BLUEPRINT)))
        env = {
            **os.environ,
            "DATABASE_URL": pg.create_database("bench"),
            "MONGODB_URL": mongo.url(),
            "MONGODB_DATABASE": "bench",
            "LOG_LEVEL": "WARNING",
        }
        migrate(root, env)
        script = Path(folder) / "post.lua"
        script.write_text(POST_SCRIPT)
        apps = {
            "generated": (["app.main:create_app", "--factory"], root),
            "minimal": (["minimal_app:app"], HERE),
        }
        results: dict[tuple[str, str], tuple[float, float]] = {}
        seed_process, seed_url = start_app(*apps["generated"], env)
        user = httpx.post(
            f"{seed_url}/users", json={"name": "Seed", "email": "seed@example.com"}
        ).json()
        preference = httpx.post(f"{seed_url}/preferences", json={"user_id": user["id"]}).json()
        seed_process.terminate()
        seed_process.wait()
        requests = {
            "GET /users/{id}": (f"/users/{user['id']}", None),
            "POST /users": ("/users", script),
            "GET /preferences/{id}": (f"/preferences/{preference['id']}", None),
        }
        for name, (command, cwd) in apps.items():
            process, url = start_app(command, cwd, env)
            try:
                for label, (path, lua) in requests.items():
                    run_wrk(wrk, url + path, 2, args.connections, lua)  # warm up
                    results[(name, label)] = run_wrk(
                        wrk, url + path, args.seconds, args.connections, lua
                    )
            finally:
                process.terminate()
                process.wait()
    print(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, one uvicorn worker each, same databases"
    )
    print(
        f"{'request':<24}{'generated req/s':>16}{'p99 ms':>9}"
        f"{'minimal req/s':>15}{'p99 ms':>9}{'ratio':>8}"
    )
    for label in requests:
        generated, minimal = results[("generated", label)], results[("minimal", label)]
        print(
            f"{label:<24}{generated[0]:>16.0f}{generated[1]:>9.1f}{minimal[0]:>15.0f}"
            f"{minimal[1]:>9.1f}{generated[0] / minimal[0]:>8.2f}"
        )


if __name__ == "__main__":
    main()
