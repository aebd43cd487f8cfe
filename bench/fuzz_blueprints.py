"""Random blueprints through `new --from` and the real `verify`: how many pass, and the
failing ones, shrunk.

Usage: python bench/fuzz_blueprints.py [N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend_agent.services import local_mongo, local_postgres
from tests.fuzzing import Servers, Verdict, check, shrink
from tests.strategies import DrawnBlueprint, blueprints


def draw(count: int, seed_value: int) -> list[DrawnBlueprint]:
    """`count` blueprints drawn with `seed_value` (hypothesis draws; nothing runs yet)."""
    drawn: list[DrawnBlueprint] = []

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(seed_value)
    @given(blueprints(accounts=None))
    def collect(blueprint: DrawnBlueprint) -> None:
        drawn.append(blueprint)

    collect()
    return drawn[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--no-shrink", action="store_true", help="print each failure as drawn, unshrunk"
    )
    args = parser.parse_args()
    # One mypy cache for this run's projects: the libraries are analysed once, not per
    # project. Not shared with other runs: a concurrent run's `app` modules would leak in.
    cache = tempfile.TemporaryDirectory(prefix="fuzz-mypy-cache-")
    os.environ.setdefault("MYPY_CACHE_DIR", cache.name)
    drawn = draw(args.count, args.seed)
    print(f"seed {args.seed}: {len(drawn)} blueprints")
    started = time.perf_counter()
    failures: list[tuple[DrawnBlueprint, Verdict]] = []
    with local_postgres() as postgres, local_mongo() as mongo:
        servers = Servers(postgres, mongo)
        for number, blueprint in enumerate(drawn, 1):
            verdict = check(blueprint, servers, name=f"fuzz_{number}")
            status = "ok" if verdict.ok else f"FAIL at {verdict.failed_step}"
            print(
                f"[{number}/{len(drawn)}] {status} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            if not verdict.ok:
                failures.append((blueprint, verdict))
                if args.no_shrink:
                    print(f"{blueprint.toml()}\n{verdict.output[-3000:]}\n", flush=True)
        for index, (blueprint, verdict) in enumerate([] if args.no_shrink else failures):
            step = verdict.failed_step

            def same_failure(candidate: DrawnBlueprint, step: str = step) -> bool:
                again = check(candidate, servers, name="fuzz_shrink")
                return not again.ok and again.failed_step == step

            small = shrink(blueprint, same_failure)
            final = check(small, servers, name="fuzz_shrunk")
            print(f"\n--- failure {index + 1}: {step}\n{small.toml()}\n{final.output[-3000:]}")
    elapsed = time.perf_counter() - started
    passed = len(drawn) - len(failures)
    print(f"\n{passed} passed, {len(failures)} failed of {len(drawn)} in {elapsed:.0f} s")
    cache.cleanup()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
