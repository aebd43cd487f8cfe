"""Shared fixtures: one PostgreSQL server per test session, and projects generated once.

Tests that only read a generated project share `shop_project`; tests that change a project
copy it first (`shop_copy`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from backend_agent.services import LocalPostgres, local_postgres
from tests.helpers import generate_shop

# The suite draws the same examples on every run, so CI is reproducible; explore new ones
# with `pytest --hypothesis-profile=explore` (or bench/fuzz_blueprints.py for whole projects).
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """The session's PostgreSQL server (a throwaway cluster unless a URL is configured)."""
    with local_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def shop_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated once per session; tests must not change it."""
    return generate_shop(tmp_path_factory.mktemp("shop") / "shop")


@pytest.fixture
def shop_copy(shop_project: Path, tmp_path: Path) -> Path:
    """A private copy of the shop project, for tests that change it."""
    target = tmp_path / "shop"
    shutil.copytree(shop_project, target, ignore=shutil.ignore_patterns(".mypy_cache"))
    return target
