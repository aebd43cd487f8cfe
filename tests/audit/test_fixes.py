"""Fixes: before and after, the fixed code parses, and the rule no longer fires on it."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from backend_agent.audit import Applicability, Edit, Fix, run_check
from backend_agent.audit.fixes import apply_verified
from tests.audit.conftest import config_for

CASES = {
    "BA002": (
        "app/core/values.py",
        'A = 1  # noqa: BA301\nB = 2  # noqa: BA301, E501\nSECRET_KEY = "k1"  # noqa: BA301\n',
        'A = 1\nB = 2  # noqa: E501\nSECRET_KEY = "k1"  # noqa: BA301\n',
    ),
    "BA204": (
        "app/services/items.py",
        "from sqlmodel.ext.asyncio.session import AsyncSession\n"
        "\n"
        "\n"
        "async def save(session: AsyncSession, items: list[object]) -> None:\n"
        "    for item in items:\n"
        "        session.add(item)\n"
        "        await session.commit()\n"
        "    return None\n",
        "from sqlmodel.ext.asyncio.session import AsyncSession\n"
        "\n"
        "\n"
        "async def save(session: AsyncSession, items: list[object]) -> None:\n"
        "    for item in items:\n"
        "        session.add(item)\n"
        "    await session.commit()\n"
        "    return None\n",
    ),
    "BA205": (
        "app/api/deps.py",
        "from sqlalchemy.orm import Session\n"
        "\n"
        "\n"
        "def get_db(db: Session):\n"
        "    try:\n"
        "        yield db\n"
        "    except Exception:\n"
        "        db.rollback()\n"
        "        raise\n"
        "    finally:\n"
        "        db.commit()\n"
        "        db.close()\n",
        "from sqlalchemy.orm import Session\n"
        "\n"
        "\n"
        "def get_db(db: Session):\n"
        "    try:\n"
        "        yield db\n"
        "        db.commit()\n"
        "    except Exception:\n"
        "        db.rollback()\n"
        "        raise\n"
        "    finally:\n"
        "        db.close()\n",
    ),
    "BA301": (
        "app/core/config.py",
        "from pydantic import SecretStr\n"
        "from pydantic_settings import BaseSettings\n"
        "\n"
        "\n"
        "class Settings(BaseSettings):\n"
        '    jwt_secret: SecretStr = SecretStr("dev-secret")\n'
        '    log_level: str = "INFO"\n',
        "from pydantic import SecretStr\n"
        "from pydantic_settings import BaseSettings\n"
        "\n"
        "\n"
        "class Settings(BaseSettings):\n"
        "    jwt_secret: SecretStr\n"
        '    log_level: str = "INFO"\n',
    ),
    "BA302": (
        "app/settings.py",
        'import os\n\nAPI_KEY = os.getenv("OPENAI_API_KEY", "sk-1")\n'
        'JWT = os.environ.get("JWT_SECRET", "x")\n',
        'import os\n\nAPI_KEY = os.environ["OPENAI_API_KEY"]\nJWT = os.environ["JWT_SECRET"]\n',
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_fix(code: str, project: Path) -> None:
    relative, before, after = CASES[code]
    path = project / relative
    path.parent.mkdir(parents=True)
    path.write_text(before)
    config = replace(config_for(project), unsafe_fixes=True)
    assert code in {
        f.code for f in run_check([project], config=config, include_ruff=False).findings
    }

    report = run_check([project], config=config, include_ruff=False, fix=True)

    assert path.read_text() == after
    ast.parse(after)
    assert code not in {f.code for f in report.findings}
    assert report.fixes_applied >= 1


def test_unsafe_fixes_wait_for_the_setting(project: Path) -> None:
    relative, before, _ = CASES["BA302"]
    path = project / relative
    path.parent.mkdir(parents=True)
    path.write_text(before)

    report = run_check([project], config=config_for(project), include_ruff=False, fix=True)

    assert path.read_text() == before
    assert report.fixes_applied == 0
    assert {f.code for f in report.findings} == {"BA302"}


def test_private_settings_attributes_get_no_fix(project: Path) -> None:
    """pydantic makes `_NAME` a private attribute: without its default, reading it fails."""
    path = project / "app" / "core" / "config.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "from pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n"
        '    _DEFAULT_PASSWORD: str = "MyPassword"\n'
    )
    config = replace(config_for(project, "BA301"), unsafe_fixes=True)
    report = run_check([project], config=config, include_ruff=False, fix=True)
    assert [(f.code, f.fix) for f in report.findings] == [("BA301", None)]
    assert '_DEFAULT_PASSWORD: str = "MyPassword"' in path.read_text()


def test_ruff_s105_is_not_repeated_on_the_same_line(project: Path) -> None:
    (project / "constants.py").write_text('SECRET_KEY = "9f8e7d6c5b4a"\n')
    report = run_check([project], config=config_for(project, "BA301", "S105"))
    assert [f.code for f in report.findings] == ["S105"]


def test_commit_in_loop_without_a_safe_shape_has_no_fix(project: Path) -> None:
    path = project / "app" / "services" / "items.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "def save(session, items):\n"
        "    for item in items:\n"
        "        if item:\n"
        "            session.commit()\n"
    )
    report = run_check([project], config=config_for(project, "BA204"), include_ruff=False)
    assert [f.fix for f in report.findings] == [None]


PRINTS = '''"""Reports."""

import os

SECRET_KEY = "9f8e7d6c5b4a"


def report(total: int) -> None:
    print("total", total)
    print(f"done in {os.getcwd()}")
    print("to stderr", file=None)
'''
PRINTS_LOGGED = '''"""Reports."""

import os
import logging

logger = logging.getLogger(__name__)

SECRET_KEY = "9f8e7d6c5b4a"


def report(total: int) -> None:
    logger.info("%s %s", "total", total)
    logger.info(f"done in {os.getcwd()}")
    print("to stderr", file=None)
'''


def test_print_becomes_a_logger_call(project: Path) -> None:
    path = project / "reports.py"
    path.write_text(PRINTS)
    config = replace(config_for(project, "T201", "BA301"), unsafe_fixes=True)

    report = run_check([project], config=config, fix=True)

    assert path.read_text() == PRINTS_LOGGED
    assert report.fixes_applied == 2
    remaining = [(f.code, f.line, f.fix) for f in report.findings]
    assert remaining == [("BA301", 8, None), ("T201", 14, None)]
    assert path.read_text().splitlines()[7].startswith("SECRET_KEY")


def test_ruffs_fixes_are_counted(project: Path) -> None:
    path = project / "tidy.py"
    path.write_text("import os\nimport sys\n\nprint(sys.argv)\n")
    report = run_check([project], config=config_for(project, "F401"), fix=True)
    assert path.read_text() == "import sys\n\nprint(sys.argv)\n"
    assert report.fixes_applied == 1


def test_a_fix_that_breaks_the_file_is_not_written() -> None:
    text = "import os\n\nHOME = os.environ['HOME']\n"
    drops_used_import = Fix(Applicability.SAFE, (Edit(1, 1, 2, 1, ""),))
    breaks_syntax = Fix(Applicability.SAFE, (Edit(3, 5, 3, 7, ""),))
    renames = Fix(Applicability.SAFE, (Edit(3, 1, 3, 5, "ROOT"),))
    fixed, applied = apply_verified(text, [drops_used_import, breaks_syntax, renames], None)
    assert (fixed, applied) == ("import os\n\nROOT = os.environ['HOME']\n", 1)


ROUTES = '''from fastapi import APIRouter
from sqlmodel import select

from app.api.deps import SessionDep
from app.models import User

router = APIRouter()


@router.get("/users")
async def list_users(session: SessionDep, limit: int = 10) -> list[User]:
    """All users."""
    result = await session.exec(select(User).limit(limit))
    return list(result.all())
'''
ROUTES_AFTER = '''from fastapi import APIRouter
from sqlmodel import select

from app.api.deps import SessionDep
from app.models import User
from app.services import users

router = APIRouter()


@router.get("/users")
async def list_users(session: SessionDep, limit: int = 10) -> list[User]:
    """All users."""
    return await users.list_users(session, limit)
'''
SERVICE = '''"""User services."""

from app.models import User


async def count(users: list[User]) -> int:
    return len(users)
'''
SERVICE_AFTER = '''"""User services."""

from app.models import User
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession


async def count(users: list[User]) -> int:
    return len(users)


async def list_users(session: AsyncSession, limit: int) -> list[User]:
    result = await session.exec(select(User).limit(limit))
    return list(result.all())
'''
DEPS = """from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession


async def get_session() -> AsyncSession: ...


SessionDep = Annotated[AsyncSession, Depends(get_session)]
"""


def test_route_query_moves_to_its_service(project: Path) -> None:
    files = {
        "app/api/routes/users.py": ROUTES,
        "app/api/deps.py": DEPS,
        "app/services/users.py": SERVICE,
        "app/models.py": "class User: ...\n",
    }
    for relative, text in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    config = replace(config_for(project), unsafe_fixes=True)

    report = run_check([project], config=config, include_ruff=False, fix=True)

    assert (project / "app/api/routes/users.py").read_text() == ROUTES_AFTER
    assert (project / "app/services/users.py").read_text() == SERVICE_AFTER
    assert [f.code for f in report.findings] == []
    assert report.fixes_applied == 1


def test_route_using_http_keeps_its_body(project: Path) -> None:
    routes = ROUTES.replace(
        '    """All users."""\n',
        '    """All users."""\n    if limit > 100:\n        raise HTTPException(422)\n',
    ).replace("from fastapi import APIRouter", "from fastapi import APIRouter, HTTPException")
    (project / "app/api/routes").mkdir(parents=True)
    (project / "app/services").mkdir(parents=True)
    (project / "app/api/routes/users.py").write_text(routes)
    (project / "app/api/deps.py").write_text(DEPS)
    (project / "app/services/users.py").write_text(SERVICE)
    report = run_check([project], config=config_for(project, "BA201"), include_ruff=False)
    assert [(f.code, f.fix) for f in report.findings] == [("BA201", None)]
