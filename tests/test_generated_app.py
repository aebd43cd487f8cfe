"""The generated app's own behaviour where no database is needed: what start-up does when a
client cannot be built, and which errors count as a database outage. Run inside the shop
project, in a process of its own (the project's `app` package is not ours to import)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from backend_agent.services import LocalPostgres

ENV = {
    "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none",
    "MONGODB_URL": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=100",
}


def run_in(project: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", **ENV},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_client_that_fails_at_start_up_leaves_no_pool_open(shop_project: Path) -> None:
    result = run_in(
        shop_project,
        """
        import asyncio
        from unittest.mock import patch
        import app.main as main

        closed = []
        real_close = main.Database.close

        async def recording_close(self):
            closed.append(self)
            await real_close(self)

        def broken(settings):
            raise ValueError("MONGODB_URL is not a MongoDB URL")

        async def start(app):
            async with app.router.lifespan_context(app):
                pass

        with (
            patch.object(main.Database, "close", recording_close),
            patch.object(main, "create_client", broken),
        ):
            app = main.create_app()
            try:
                asyncio.run(start(app))
            except ValueError:
                pass
        assert closed, "the PostgreSQL pool was not closed"
        print("disposed")
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "disposed" in result.stdout


def test_a_network_error_outside_the_databases_is_not_a_database_outage(
    shop_project: Path,
) -> None:
    result = run_in(
        shop_project,
        """
        import asyncio
        import httpx
        from app.main import create_app

        app = create_app()

        @app.get("/calls-out")
        async def calls_out() -> None:
            raise ConnectionRefusedError("the payment provider refused")

        async def main():
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.get("/calls-out")
            print(response.status_code)

        asyncio.run(main())
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["500"]


def test_migrations_need_only_the_database_url(shop_copy: Path, postgres: LocalPostgres) -> None:
    """A project with MongoDB migrates PostgreSQL without MONGODB_URL (or any other setting)."""
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=shop_copy,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": postgres.create_database("only_pg")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
