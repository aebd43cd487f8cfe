"""The same files give the same findings whichever folder is passed or current."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent.audit import load_config, run_check

DEPS = """from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession


async def get_session() -> AsyncSession: ...


SessionDep = Annotated[AsyncSession, Depends(get_session)]
"""
ROUTES = """from fastapi import APIRouter

from app.api.deps import SessionDep
from app.models import User

router = APIRouter()


@router.get("/users/{user_id}", response_model=User)
async def read_user(user_id: int, session: SessionDep) -> User | None:
    return await session.get(User, user_id)
"""


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository whose backend lives in `backend/`, with a pyproject.toml at both levels."""
    (tmp_path / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["backend"]\n')
    backend = tmp_path / "backend"
    (backend / "app" / "api" / "routes").mkdir(parents=True)
    (backend / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    for package in ("app", "app/api", "app/api/routes"):
        (backend / package / "__init__.py").write_text("")
    (backend / "app" / "models.py").write_text("class User: ...\n")
    (backend / "app" / "api" / "deps.py").write_text(DEPS)
    (backend / "app" / "api" / "routes" / "users.py").write_text(ROUTES)
    return tmp_path


@pytest.mark.parametrize("given", [".", "backend", "backend/app", "backend/app/api"])
def test_findings_do_not_depend_on_the_folder_given(
    monorepo: Path, given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo / given)
    config = load_config(Path.cwd())
    found = {
        (f.code, f.path.relative_to(monorepo).as_posix(), f.line)
        for f in run_check([Path()], config=config, include_ruff=False).findings
    }
    assert found == {("BA201", "backend/app/api/routes/users.py", 11)}
