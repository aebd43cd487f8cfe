"""How long `new` + 10 resources takes, and `verify` on the result (cold and warm mypy cache).

Usage: python bench/generate_bench.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from backend_agent import operations
from backend_agent.verify import verify

RESOURCES: list[tuple[str, list[str], str]] = [
    ("User", ["name:str:min=1:max=100", "email:email:unique"], "postgres"),
    ("Team", ["title:str:unique", "owner:ref(User)"], "postgres"),
    ("Project", ["name:str", "team:ref(Team)", "budget:decimal:min=0:optional"], "postgres"),
    ("Task", ["title:str", "done:bool:default=false", "project:ref(Project)"], "postgres"),
    ("Comment", ["body:text", "author:ref(User)", "task:ref(Task)"], "postgres"),
    ("Tag", ["label:str:max=30:unique"], "postgres"),
    ("Invoice", ["number:str:unique", "total:decimal:min=0", "issued:date"], "postgres"),
    ("Event", ["kind:enum(created|updated|deleted)", "at:datetime:default=now"], "postgres"),
    ("Setting", ["user:ref(User):unique", "theme:enum(light|dark):default=light"], "mongo"),
    ("Note", ["author:ref(User)", "text:text", "meta:json:optional"], "mongo"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bench"
        started = time.perf_counter()
        operations.new_project(root)
        for name, fields, store in RESOURCES:
            operations.add_resource(root, name, fields, store=store)
        generated = time.perf_counter() - started
        print(f"new + {len(RESOURCES)} resources: {generated:.1f} s")
        for label in ("cold", "warm"):
            if label == "cold":
                shutil.rmtree(root / ".mypy_cache", ignore_errors=True)
            started = time.perf_counter()
            result = verify(root)
            total = time.perf_counter() - started
            steps = ", ".join(f"{step.name} {step.seconds:.1f}s" for step in result.steps)
            print(f"verify ({label} mypy cache): {total:.1f} s, ok={result.ok} [{steps}]")


if __name__ == "__main__":
    main()
