"""Random evolutions (add/remove fields and resources, change operations, edit and apply)
of projects whose tables and collections hold rows: how many sequences pass, and the steps
of the failing ones.

Usage: python bench/fuzz_evolution.py [N] [--steps K] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend_agent.services import local_mongo, local_postgres
from tests.evolving import start_evolving, walk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    print(f"seed {args.seed}: {args.count} sequences of {args.steps} steps")
    results: list[bool] = []
    started = time.perf_counter()
    with local_postgres() as postgres, local_mongo() as mongo, tempfile.TemporaryDirectory() as tmp:
        for number in range(1, args.count + 1):
            # One example per seed: each sequence stands alone (its draws depend on the
            # project its earlier steps made).
            @settings(
                max_examples=1,
                database=None,
                deadline=None,
                derandomize=False,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @seed(args.seed + number)
            @given(data=st.data())
            def sequence(data: st.DataObject) -> None:
                name = f"evolution_{len(results) + 1}"
                project = start_evolving(
                    Path(tmp) / name, postgres.create_database(name), mongo.url(), name
                )
                taken: list[str] = []
                problem = walk(project, data.draw, steps=args.steps, log=taken.append)
                results.append(problem is None)
                status = "ok" if problem is None else "FAIL"
                elapsed = time.perf_counter() - started
                print(f"[{len(results)}/{args.count}] {status} ({elapsed:.0f} s)", flush=True)
                if problem is not None:
                    print("\n".join(f"    {step}" for step in taken))
                    print(f"    -> {problem}\n", flush=True)

            sequence()
    passed = sum(results)
    elapsed = time.perf_counter() - started
    print(f"\n{passed} passed, {len(results) - passed} failed of {len(results)} in {elapsed:.0f} s")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
