"""Helpers shared by the tests: a reference project, running the CLI, snapshots of trees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
        ],
    ),
]


def generate_shop(root: Path) -> Path:
    """A project with three resources, one referring to another, covering every field type."""
    operations.new_project(root, description="A shop.")
    for name, fields in SHOP_RESOURCES:
        operations.add_resource(root, name, fields)
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
