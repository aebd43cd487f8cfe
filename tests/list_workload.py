"""A generated project whose orders table holds a million rows, and the filtered, sorted list
queries its API serves: shared by the index test (tests/test_list_indexes.py) and the list
benchmark (bench/list_bench.py), so both look at the same SQL.

The SQL is what the generated service runs: `list_orders` is called with a session that
records the statement the generated layer prepares instead of running it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlmodel import SQLModel

from backend_agent import operations

BLUEPRINT = """\
[project]
name = "listbench"

[resources.Customer]
fields = ["name:str:max=80"]

[resources.Order]
timestamps = true
fields = [
    "customer:ref(Customer)",
    "status:enum(pending|paid|shipped|cancelled):filter",
    "total:decimal:min=0:filter:sort",
]
"""
ROWS = 1_000_000
FILL = """
INSERT INTO customers (name) SELECT 'customer ' || n FROM generate_series(1, 10000) AS n;
INSERT INTO orders (customer_id, status, total, created_at, updated_at)
SELECT 1 + n % 10000,
       (ARRAY['paid', 'shipped', 'paid', 'pending', 'paid', 'shipped', 'paid', 'cancelled'])
           [1 + n % 8],
       (n::bigint * 7919 % 100000) / 100.0,
       timestamptz '2024-01-01 00:00:00+00' + n * interval '30 seconds',
       timestamptz '2024-01-01 00:00:00+00' + n * interval '30 seconds'
FROM generate_series(1, 1000000) AS n;
ANALYZE customers;
"""
"""A million orders of ten thousand customers: half paid, totals spread over 0-999.99, one
every 30 seconds; then statistics, so the planner chooses as it would in production."""


@dataclass(frozen=True)
class ListCase:
    """One list request, and what the planner should read it with."""

    label: str
    """The request as a client writes it."""
    query: Mapping[str, Any]
    """The `OrderListQuery` fields (the cursor is added from the row in the middle)."""
    index: str
    """The index that serves it."""
    customer: int | None = None
    """`?customer_id=`: a ref filter, which lists take besides the query."""
    after: str | None = None
    """A condition choosing the order a cursor continues after, in the middle of what the
    list holds (a deep keyset page); None for a first page."""
    bounded: Sequence[str] = field(default_factory=tuple)
    """Columns whose bounds the index must apply (not filter rows it has read)."""


CASES = [
    ListCase(
        "?status=paid&sort=-created_at",
        {"status": ["paid"], "sort": "-created_at"},
        "ix_orders_created_at",
    ),
    ListCase(
        "?total_min=10&total_max=20&sort=total",
        {"total_min": "10", "total_max": "20", "sort": "total"},
        "ix_orders_total",
        bounded=("total",),
    ),
    ListCase(
        "?customer_id=42&sort=-created_at",
        {"sort": "-created_at"},
        "ix_orders_customer_id",
        customer=42,
        bounded=("customer_id",),
    ),
    ListCase(
        "?status=paid&sort=-created_at&cursor=(middle)",
        {"status": ["paid"], "sort": "-created_at"},
        "ix_orders_created_at",
        after="id = 500000",
        bounded=("created_at",),
    ),
    ListCase(
        "?total_min=10&total_max=20&sort=total&cursor=(middle)",
        {"total_min": "10", "total_max": "20", "sort": "total"},
        "ix_orders_total",
        after="total = 15",
        bounded=("total",),
    ),
]
LIMIT = 50


def generate(root: Path) -> Path:
    """The project of `BLUEPRINT` at `root`."""
    blueprint = root.parent / "listbench.toml"
    blueprint.write_text(BLUEPRINT)
    operations.new_project(root, blueprint=blueprint)
    return root


@contextmanager
def imported(root: Path) -> Iterator[None]:
    """The project's `app` package importable while inside, and forgotten after with its
    tables (another project's `app` may be imported later in the same process). Enter it
    once: SQLModel keeps one registry of table classes per process."""
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == "app" or name.startswith("app.")]:
            del sys.modules[name]
        SQLModel.metadata.clear()


async def fill(connection: asyncpg.Connection) -> None:
    """Load `FILL` with the orders' indexes dropped and built again after: maintaining five
    indexes row by row triples the load's time."""
    indexes = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'orders' AND indexname LIKE 'ix\\_%'"
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["indexname"]}"')
    await connection.execute(FILL)
    for index in indexes:
        await connection.execute(index["indexdef"])
    await connection.execute("ANALYZE orders")


async def middle_row(connection: asyncpg.Connection, case: ListCase) -> dict[str, object]:
    """The sort keys of the order the case's cursor continues after, as JSON values (as a
    page's last item has them); empty for a first page."""
    if case.after is None:
        return {}
    row = await connection.fetchrow(
        "SELECT id, total::text AS total, created_at, updated_at FROM orders "  # noqa: S608
        f"WHERE {case.after} ORDER BY id LIMIT 1"
    )
    assert row is not None, case.after
    return {
        "id": row["id"],
        "total": row["total"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


@dataclass(frozen=True)
class Captured:
    """The SQL and arguments the generated layer runs on asyncpg for one list."""

    sql: str
    args: Sequence[object]


class _Recorder:
    """Stands in for the generated `Session`: prepares what `all()` is given, runs nothing."""

    def __init__(self) -> None:
        self.captured: Captured | None = None

    async def all(
        self, statement: object, params: Mapping[str, object] | None = None, **_: object
    ) -> list[Any]:
        from app.db.statements import prepare

        prepared = prepare(statement, params)  # type: ignore[arg-type]
        self.captured = Captured(prepared.sql, prepared.args)
        return []


def list_query(case: ListCase, middle: Mapping[str, object]) -> Any:  # noqa: ANN401 - the project's model
    """The case's `OrderListQuery`; its cursor continues after the row `middle` (see
    `middle_row`)."""
    from app.models.order import OrderListQuery
    from app.models.queries import encode_cursor, sort_keys

    values = dict(case.query)
    if case.after is not None:
        keys = [name for name, _ in sort_keys(values["sort"])]
        values["cursor"] = encode_cursor(values["sort"], [middle[key] for key in keys])
    return OrderListQuery.model_validate(values)


def arguments(case: ListCase, middle: Mapping[str, object]) -> dict[str, Any]:
    """The keyword arguments of `list_orders` for the case."""
    found: dict[str, Any] = {"offset": 0, "limit": LIMIT, "query": list_query(case, middle)}
    if case.customer is not None:
        found["customer_id"] = case.customer
    return found


async def capture(case: ListCase, middle: Mapping[str, object]) -> Captured:
    """What `list_orders` runs for the case (inside `imported`)."""
    from app.services import orders

    recorder = _Recorder()
    await orders.list_orders(recorder, **arguments(case, middle))  # type: ignore[arg-type]
    assert recorder.captured is not None
    return recorder.captured
