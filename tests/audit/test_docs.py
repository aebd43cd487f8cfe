"""The rules' documentation: generated from the code, and its own examples hold.

Regenerate the README and the diagnostics snapshot after an intended change with
`UPDATE_GOLDEN=1 pytest tests/audit/test_docs.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend_agent.audit import RULES, Rule, run_check
from backend_agent.audit.reporters.rule_doc import rules_markdown, sections
from tests.audit.conftest import FIXTURES, config_for

README = Path(__file__).parents[2] / "docs" / "rules" / "README.md"
DIAGNOSTICS = Path(__file__).parent / "golden" / "diagnostics.txt"


def _golden(path: Path, actual: str) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()


def test_rules_readme_is_generated_from_the_rule_table() -> None:
    _golden(README, rules_markdown())


def test_every_rules_diagnostics_are_snapshotted() -> None:
    """Message and fix title of every finding in every rule fixture, as ruff snapshots them."""
    lines = []
    for fixture in sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir()):
        report = run_check([fixture], config=config_for(fixture), include_ruff=False)
        for finding in report.findings:
            where = (
                f"{finding.path.relative_to(fixture).as_posix()}:{finding.line}:{finding.column}"
            )
            lines.append(f"{fixture.name}/{where} {finding.code} {finding.message}")
            lines.append(f"    fix: {finding.fix_title} [{_applicability(finding.fix)}]")
    _golden(DIAGNOSTICS, "\n".join(lines) + "\n")


def _applicability(fix: object) -> str:
    return str(getattr(fix, "applicability", "none"))


PRELUDE = """from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import SecretStr
from pydantic_settings import BaseSettings
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Session, select
from sqlmodel.ext.asyncio.session import AsyncSession

router = APIRouter()
sessionmaker = async_sessionmaker()


async def get_session() -> AsyncSession: ...


SessionDep = Annotated[AsyncSession, Depends(get_session)]

"""
SERVICE_PRELUDE = "\n".join(
    line
    for line in PRELUDE.splitlines()
    if not any(word in line for word in ("fastapi", "router", "sessionmaker", "Depends"))
)
SERVICES = frozenset({"BA101", "BA102", "BA202"})
"""Rules whose examples are service code (the others are placed in a routes module)."""


@pytest.mark.parametrize("rule", [r for r in RULES if r.check is not None], ids=lambda r: r.code)
@pytest.mark.parametrize("section", ["Example", "Use instead"])
def test_each_rules_own_examples_hold(rule: Rule, section: str, project: Path) -> None:
    """The example is reported by its rule; what to write instead is reported by nothing,
    neither by our rules nor by the ruff rules the check selects (FAST001 included)."""
    service = rule.code in SERVICES
    path = project / ("app/services/users.py" if service else "app/api/routes/users.py")
    path.parent.mkdir(parents=True)
    prelude = SERVICE_PRELUDE if service else PRELUDE
    path.write_text(prelude + "\n" + sections(rule)[section] + "\n")
    (project / "app" / "api" / "deps.py").parent.mkdir(parents=True, exist_ok=True)
    (project / "app" / "api" / "deps.py").write_text("SessionDep = int\n")
    selected = (rule.code, "FAST", "ASYNC", "S", "T201")
    codes = {f.code for f in run_check([project], config=config_for(project, *selected)).findings}
    if section == "Example":
        assert rule.code in codes
    else:
        assert codes == set()
