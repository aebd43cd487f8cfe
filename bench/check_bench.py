"""Wall-clock speed of `backend-agent check` on real code, and its start-up on an empty folder.

Run: `python bench/check_bench.py PATH [PATH ...] [--runs 3]`, each PATH a project (or a
folder of one) on disk. For each it prints the Python lines checked and the best wall time
of the whole command as a user runs it (our rules and ruff, in a fresh process), then the
start-up time on an empty folder. Figures only; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backend_agent.audit import load_config
from backend_agent.audit.discovery import discover


def _lines(path: Path) -> tuple[int, int]:
    """(files, lines) the check reads under `path`, with its exclusions."""
    files = discover([path], load_config(path))
    return len(files), sum(file.read_bytes().count(b"\n") for file in files)


def _best_wall(arguments: list[str], cwd: Path, runs: int) -> float:
    command = [sys.executable, "-m", "backend_agent", "check", *arguments]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Time the check on each path, then on an empty folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    arguments = parser.parse_args()
    for path in arguments.paths:
        root = path.expanduser().resolve()
        files, lines = _lines(root)
        wall = _best_wall([".", "--format", "json", "--exit-zero"], root, arguments.runs)
        print(
            f"{root}: {files} files, {lines:,} lines, check (our rules + ruff) "
            f"{wall:.2f} s wall, {lines / wall:,.0f} lines/s"
        )
    with tempfile.TemporaryDirectory() as empty:
        wall = _best_wall(["."], Path(empty), arguments.runs)
        print(f"empty folder: {wall:.2f} s wall")


if __name__ == "__main__":
    main()
