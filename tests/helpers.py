"""Helpers shared by the tests: a reference project, running the CLI, snapshots of trees."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

from backend_agent import operations

SHOP_RESOURCES: list[tuple[str, list[str]]] = [
    (
        "User",
        [
            "name:str:min=1:max=100",
            "email:email:unique",
            "age:int:min=0:max=150:optional",
            "status:enum(active|banned):default=active",
        ],
    ),
    (
        "Post",
        [
            "title:str:max=200",
            "body:text",
            "author:ref(User)",
            "published:bool:default=false",
            "tags:list[str]:optional",
        ],
    ),
    (
        "Product",
        [
            "sku:str:max=32:unique",
            "price:decimal:min=0",
            "stock:int:min=0:default=0",
            "attributes:json:optional",
            "homepage:url:optional",
            "released:date:optional",
            "updated:datetime:default=now",
            "code:uuid:optional",
            "rating:float:min=0:max=5:optional",
            "barcode:str:max=20:unique:optional",
        ],
    ),
]
SHOP_DOCUMENTS: list[tuple[str, list[str]]] = [
    ("Review", ["product:ref(Product)", "stars:int:min=1:max=5", "code:str:unique:optional"]),
]


def generate_shop(root: Path) -> Path:
    """Three PostgreSQL resources (one referring to another, every field type) and a MongoDB
    resource referring to one of them."""
    operations.new_project(root, description="A shop.")
    for name, fields in SHOP_RESOURCES:
        operations.add_resource(root, name, fields)
    for name, fields in SHOP_DOCUMENTS:
        operations.add_resource(root, name, fields, store="mongo")
    return root


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `backend-agent ARGS` as a user would, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "backend_agent", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes, to prove a command changed nothing."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".mypy_cache" not in path.parts
    }


@contextmanager
def running_app(root: Path, env: dict[str, str], *, wait_for: str = "ready") -> Iterator[str]:
    """Serve the generated project at `root` with uvicorn; yields its base URL once
    `/health/{wait_for}` answers 200 (`live` for an app whose databases are down)."""
    from backend_agent.services.process import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=root,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health/{wait_for}", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError(f"the app in {root} did not become {wait_for}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Run one statement on the PostgreSQL database at `url` (a SQLAlchemy URL); its rows."""

    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())
