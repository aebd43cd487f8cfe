"""On a million orders, each filtered, sorted list of a generated project is read through an
index: the planner, left free to choose a sequential scan, is shown the exact SQL the
generated statement layer runs (tests/list_workload.py) and chooses an index for it.

The generated projects' own tests only check that each index exists (on their small tables
they must forbid sequential scans to see one used); this is the honest choice at scale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from backend_agent.serve import migrate
from backend_agent.services import LocalPostgres
from tests import list_workload
from tests.list_workload import CASES, Captured, ListCase


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return list_workload.generate(tmp_path_factory.mktemp("listbench") / "listbench")


@pytest.fixture(scope="module")
async def filled(project: Path, postgres: LocalPostgres) -> AsyncIterator[asyncpg.Connection]:
    """The project's database, migrated and holding a million orders (about 10 s)."""
    url = postgres.create_database("list_indexes")
    migrate(project, {"DATABASE_URL": url})
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await list_workload.fill(connection)
        yield connection
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def captured(project: Path, filled: asyncpg.Connection) -> dict[str, Captured]:
    """The SQL and arguments of each case, by label (the project imported once)."""
    with list_workload.imported(project):
        return {
            case.label: await list_workload.capture(
                case, await list_workload.middle_row(filled, case)
            )
            for case in CASES
        }


def _plan_of(rows: list[asyncpg.Record]) -> str:
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
async def test_a_filtered_sorted_list_of_a_million_rows_reads_an_index(
    filled: asyncpg.Connection, captured: dict[str, Captured], case: ListCase
) -> None:
    sql, args = captured[case.label].sql, captured[case.label].args
    plan = _plan_of(await filled.fetch(f"EXPLAIN {sql}", *args))
    assert "Seq Scan" not in plan, plan
    assert f"using {case.index} on orders" in plan or f"Index Scan on {case.index}" in plan, plan
    conditions = [line for line in plan.splitlines() if "Index Cond:" in line]
    for column in case.bounded:
        assert any(column in line for line in conditions), (column, plan)


async def test_a_deep_cursor_page_reads_only_its_own_rows(
    filled: asyncpg.Connection, captured: dict[str, Captured]
) -> None:
    """A cursor in the middle of a million rows reads about a page's worth of the index,
    not every row before it (EXPLAIN ANALYZE: cheap, as the query is)."""
    case = next(case for case in CASES if case.after is not None and case.query.get("status"))
    sql, args = captured[case.label].sql, captured[case.label].args
    plan = _plan_of(await filled.fetch(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}", *args))
    skipped = sum(
        int(line.split("Rows Removed by Filter:")[1])
        for line in plan.splitlines()
        if "Rows Removed by Filter:" in line
    )
    assert skipped < 10 * list_workload.LIMIT, plan
