"""Fixes: before and after, the fixed code parses, and the rule no longer fires on it."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from backend_agent.audit import run_check
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
