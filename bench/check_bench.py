"""Throughput of `backend-agent check` on a synthetic project of 500 files / ~50k lines.

Run: `python bench/check_bench.py [--files 500]`. Prints lines per second for our rules
alone and together with ruff. Figures only; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from backend_agent.audit import AuditConfig, run_check

_ROUTE = """
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from app.api.deps import SessionDep
from app.models.thing{n} import Thing{n}Create, Thing{n}Read, Thing{n}Update
from app.services import thing{n} as service

router = APIRouter(prefix="/things{n}", tags=["things{n}"])

"""
_HANDLER = '''

@router.post("/{i}", status_code=status.HTTP_201_CREATED, response_model=Thing{n}Read)
async def create_{i}(data: Thing{n}Create, session: SessionDep) -> Thing{n}Read:
    """Create a thing."""
    thing = await service.create(session, data)
    return Thing{n}Read.model_validate(thing)


@router.get("/{i}", response_model=list[Thing{n}Read])
async def list_{i}(
    session: SessionDep,
    request: Request,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Thing{n}Read]:
    """List things; one handler out of many reads the raw body."""
    if offset > 1000:
        await request.json()
    things = await service.list_things(session, offset, 50)
    return [Thing{n}Read.model_validate(t) for t in things]
'''
_SERVICE = """
import os

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import NotFoundError
from app.models.thing{n} import Thing{n}, Thing{n}Create

API_KEY = os.getenv("THING{n}_API_KEY", "")

"""
_SERVICE_FUNCTIONS = '''

async def create_{i}(session: AsyncSession, data: Thing{n}Create) -> Thing{n}:
    """Stage a thing; the request's unit of work commits."""
    thing = Thing{n}.model_validate(data)
    session.add(thing)
    await session.flush()
    return thing


async def list_{i}(session: AsyncSession, offset: int, limit: int) -> list[Thing{n}]:
    """A page of things."""
    result = await session.exec(select(Thing{n}).order_by(col(Thing{n}.id)).offset(offset))
    return list(result.all())


async def get_{i}(session: AsyncSession, thing_id: int) -> Thing{n}:
    """One thing or NotFoundError."""
    thing = await session.get(Thing{n}, thing_id)
    if thing is None:
        raise NotFoundError("thing", thing_id)
    for attempt in range(3):
        if attempt:
            break
    return thing
'''
_MODEL = """
from sqlmodel import Field, SQLModel

"""
_MODEL_CLASSES = '''

class Thing{n}Base{i}(SQLModel):
    """Shared fields."""

    name: str = Field(max_length=100)
    description: str | None = None
    count: int = 0


class Thing{n}Read{i}(Thing{n}Base{i}):
    """Output."""

    id: int
'''
_DEPS = '''
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session)]
'''


def _repeat(template: str, n: int, lines: int) -> str:
    parts = []
    i = 0
    while sum(part.count("\n") for part in parts) < lines:
        parts.append(template.format(n=n, i=i))
        i += 1
    return "".join(parts)


def build(root: Path, files: int) -> int:
    """Write the synthetic project; return its line count."""
    app = root / "app"
    for directory in ("api/routes", "services", "models", "core", "db"):
        (app / directory).mkdir(parents=True, exist_ok=True)
        (app / directory / "__init__.py").write_text("")
    (app / "__init__.py").write_text("")
    (app / "api" / "__init__.py").write_text("")
    (app / "api" / "deps.py").write_text(_DEPS)
    (app / "core" / "errors.py").write_text("class NotFoundError(Exception):\n    pass\n")
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    per_kind = files // 3
    for n in range(per_kind):
        route = _ROUTE.format(n=n) + _repeat(_HANDLER, n, 90)
        (app / "api" / "routes" / f"thing{n}.py").write_text(route)
        service = _SERVICE.format(n=n) + _repeat(_SERVICE_FUNCTIONS, n, 90)
        (app / "services" / f"thing{n}.py").write_text(service)
        (app / "models" / f"thing{n}.py").write_text(_MODEL + _repeat(_MODEL_CLASSES, n, 95))
    return sum(path.read_text().count("\n") for path in root.rglob("*.py"))


def _measure(label: str, root: Path, lines: int, *, include_ruff: bool) -> None:
    config = AuditConfig(root=root)
    started = time.perf_counter()
    report = run_check([root], config=config, include_ruff=include_ruff)
    elapsed = time.perf_counter() - started
    print(
        f"{label:<18} {report.files_checked} files, {lines} lines, "
        f"{len(report.findings)} findings: {elapsed:.2f} s, {lines / elapsed:,.0f} lines/s"
    )


def main() -> None:
    """Build the project in a temporary directory and time both runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=500)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        lines = build(root, arguments.files)
        _measure("our rules", root, lines, include_ruff=False)
        _measure("our rules + ruff", root, lines, include_ruff=True)


if __name__ == "__main__":
    main()
