"""Rendered output of each format, against golden files reviewed like code.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/audit/test_reporters.py`
and review the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from backend_agent.audit import AuditReport, Edit, Finding, Fix, run_check
from backend_agent.audit.finding import Applicability
from backend_agent.audit.reporters.github import render_github
from backend_agent.audit.reporters.json import render_json
from backend_agent.audit.reporters.sarif import render_sarif
from backend_agent.audit.reporters.text import render_text
from tests.audit.conftest import config_for

GOLDEN = Path(__file__).parent / "golden"

ROUTES = """from fastapi import APIRouter, Request

router = APIRouter()


@router.post("/items")
async def create_item(request: Request):
    data = await request.json()
    return data
"""
SETTINGS = """import os

TOKEN = os.getenv("GITHUB_TOKEN", "ghp_123")  # noqa: BA101
"""


@pytest.fixture
def report(project: Path, monkeypatch: pytest.MonkeyPatch) -> AuditReport:
    (project / "app" / "api").mkdir(parents=True)
    (project / "app" / "api" / "items.py").write_text(ROUTES)
    (project / "app" / "settings.py").write_text(SETTINGS)
    monkeypatch.chdir(project)
    return run_check([project], config=config_for(project), include_ruff=False)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()


def test_text(report: AuditReport) -> None:
    stream = io.StringIO()
    render_text(report, Console(file=stream, width=100, color_system=None, highlight=False))
    _golden("report.txt", stream.getvalue())


def test_json(report: AuditReport, project: Path) -> None:
    rendered = render_json(report)
    _golden("report.json", rendered.replace(str(project), "<project>") + "\n")
    first = json.loads(rendered)[0]
    assert set(first) >= {"code", "message", "location", "end_location", "filename", "fix", "url"}


def test_sarif(report: AuditReport) -> None:
    rendered = render_sarif(report)
    document = json.loads(rendered)
    assert document["version"] == "2.1.0"
    driver = document["runs"][0]["tool"]["driver"]
    driver["version"] = "<version>"
    for rule in driver["rules"]:
        rule.pop("fullDescription", None)
        rule.pop("help", None)
    _golden("report.sarif", json.dumps(document, indent=2) + "\n")


def test_github(report: AuditReport) -> None:
    _golden("report.github", render_github(report) + "\n")


def test_clean_text(project: Path) -> None:
    stream = io.StringIO()
    clean = run_check([project], config=config_for(project), include_ruff=False)
    render_text(clean, Console(file=stream, width=100, color_system=None))
    assert stream.getvalue() == "All checks passed (0 files).\n"


def test_json_never_offers_half_of_a_fix_that_spans_files(tmp_path: Path) -> None:
    other = tmp_path / "service.py"
    fix = Fix(
        Applicability.UNSAFE,
        (Edit(1, 1, 1, 1, "x"),),
        elsewhere=((other, (Edit(1, 1, 1, 1, "y"),)),),
    )
    finding = Finding("BA201", "query", "move it", tmp_path / "routes.py", 1, 1, 1, 2, fix)
    rendered = json.loads(render_json(AuditReport([finding], 1)))[0]["fix"]
    assert rendered == {"applicability": "display-only", "edits": [], "message": "move it"}
