"""Time a generated project's filtered, sorted lists on a million rows against hand-written
asyncpg; print figures.

The project and its data are tests/list_workload.py's (the index test reads the same): a
million orders with a status filter, a total filter and sort, and timestamps. For each list
(a first page, a ref filter, a cursor continuing in the middle of the table), in-process on
the same throwaway PostgreSQL:

- generated: the project's `list_orders(session, ...)`, as its route calls it (a read
  session on the generated pool; rows become `Order` objects)
- hand-written: `pool.fetch(sql, *args)` on a plain asyncpg pool of the same size, with the
  SQL and arguments the generated layer prepares for that list (captured, not rewritten)

Each round times every list `--calls` times per side, one call at a time (a latency, not a
throughput), sides in an order alternated from the round before; each figure is the median
of the rounds' medians. A call that raises or returns another number of rows than expected
is not timed and fails the row. Target: generated within 3x of hand-written.

Usage: python bench/list_bench.py [--rounds 5] [--calls 200] [--pool-size 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sized
from pathlib import Path

import asyncpg

from backend_agent.serve import migrate
from backend_agent.services import local_postgres

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the workload lives in tests/
from tests import list_workload
from tests.list_workload import CASES, LIMIT, ListCase

GENERATED = "generated"
HAND_WRITTEN = "hand-written"
TARGET = 3.0


async def timings(
    call: Callable[[], Awaitable[Sized]], calls: int, rows: int
) -> tuple[list[float], int]:
    """Microseconds of each call that answered `rows` rows, and how many did not."""
    found: list[float] = []
    failures = 0
    for _ in range(calls):
        start = time.perf_counter()
        try:
            answer = await call()
        except Exception:
            failures += 1
            continue
        elapsed = time.perf_counter() - start
        if len(answer) == rows:
            found.append(elapsed * 1e6)
        else:
            failures += 1
    return found, failures


async def run(root: Path, url: str, args: argparse.Namespace) -> None:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        started = time.perf_counter()
        await list_workload.fill(connection)
        print(f"filled {list_workload.ROWS:,} orders in {time.perf_counter() - started:.1f} s")
        middles = {case.label: await list_workload.middle_row(connection, case) for case in CASES}
    finally:
        await connection.close()
    with list_workload.imported(root):
        from app.core.config import PostgresSettings
        from app.db.postgres import Database
        from app.db.session import Session
        from app.services import orders

        settings = PostgresSettings(database_url=url, database_pool_size=args.pool_size)  # type: ignore[arg-type]
        database = Database(settings)
        await database.open()
        pool = await asyncpg.create_pool(
            url.replace("+asyncpg", ""), min_size=args.pool_size, max_size=args.pool_size
        )
        try:
            captured = {
                case.label: await list_workload.capture(case, middles[case.label]) for case in CASES
            }

            def generated(case: ListCase) -> Callable[[], Awaitable[Sized]]:
                arguments = list_workload.arguments(case, middles[case.label])

                async def call() -> Sized:
                    return await orders.list_orders(Session(database, writes=False), **arguments)

                return call

            def hand_written(case: ListCase) -> Callable[[], Awaitable[Sized]]:
                sql, values = captured[case.label].sql, captured[case.label].args

                async def call() -> Sized:
                    return await pool.fetch(sql, *values)

                return call

            sides = {GENERATED: generated, HAND_WRITTEN: hand_written}
            medians: dict[tuple[str, str], list[float]] = defaultdict(list)
            failures: dict[tuple[str, str], int] = defaultdict(int)
            order = list(sides)
            for round_number in range(args.rounds):
                for name in order if round_number % 2 == 0 else order[::-1]:
                    for case in CASES:
                        call = sides[name](case)
                        await timings(call, 10, LIMIT)  # warm the caches and the connections
                        found, failed = await timings(call, args.calls, LIMIT)
                        failures[(name, case.label)] += failed
                        if found:
                            medians[(name, case.label)].append(statistics.median(found))
                print(f"round {round_number + 1}/{args.rounds} done", flush=True)
        finally:
            await pool.close()
            await database.close()
    report(args, medians, failures)


def report(
    args: argparse.Namespace,
    medians: dict[tuple[str, str], list[float]],
    failures: dict[tuple[str, str], int],
) -> None:
    print(
        f"\n{list_workload.ROWS:,} orders, pages of {LIMIT}, {args.calls} calls x "
        f"{args.rounds} rounds (median of the rounds' medians), pool {args.pool_size}, "
        "one call at a time"
    )
    print(f"{'list':<56}{'generated us':>14}{'hand us':>10}{'ratio':>8}  result")
    for case in CASES:
        runs = {name: medians.get((name, case.label), []) for name in (GENERATED, HAND_WRITTEN)}
        failed = failures[(GENERATED, case.label)] + failures[(HAND_WRITTEN, case.label)]
        if not runs[GENERATED] or not runs[HAND_WRITTEN]:
            print(f"{case.label:<56}{'-':>14}{'-':>10}{'-':>8}  FAIL: no answer timed")
            continue
        mine, theirs = statistics.median(runs[GENERATED]), statistics.median(runs[HAND_WRITTEN])
        ratio = mine / theirs
        result = "ok" if ratio <= TARGET else f"over {TARGET:g}x"
        if failed:
            result = f"FAIL: {failed} calls raised or answered another number of rows"
        print(f"{case.label:<56}{mine:>14.0f}{theirs:>10.0f}{ratio:>8.2f}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, local_postgres() as pg:
        root = list_workload.generate(Path(folder) / "listbench")
        url = pg.create_database("listbench")
        migrate(root, {**os.environ, "DATABASE_URL": url})
        asyncio.run(run(root, url, args))


if __name__ == "__main__":
    main()
