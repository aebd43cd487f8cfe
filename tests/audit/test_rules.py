"""Every rule against its fixture: each `# error: CODE` comment is a finding, nothing else is.

A fixture lives in `fixtures/rules/<rule module>/`, laid out like a project when the
rule depends on layers (`app/api/...`, `app/services/...`), with an errors half and an ok
half in each file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent.audit import RULES, run_check
from tests.audit.conftest import FIXTURES, config_for, expected_findings

RULE_FIXTURES = FIXTURES / "rules"
_CODES_BY_MODULE = {rule.name.replace("-", "_"): rule.code for rule in RULES}


@pytest.mark.parametrize("fixture", sorted(p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()))
def test_rule_fixture(fixture: str) -> None:
    root = RULE_FIXTURES / fixture
    code = _CODES_BY_MODULE[fixture]
    selection = ("BA",) if code == "BA002" else (code,)
    report = run_check([root], config=config_for(root, *selection), include_ruff=False)
    found = {(f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings}
    assert found == expected_findings(root)


def test_every_rule_has_a_fixture() -> None:
    fixtures = {p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()}
    assert fixtures == set(_CODES_BY_MODULE)


def test_write_routes_are_not_judged_in_a_project_without_auth(project: Path) -> None:
    """Without any security scheme, an open write route is not an oversight (BA105)."""
    routes = project / "app" / "api" / "routes.py"
    routes.parent.mkdir(parents=True)
    routes.write_text(
        "from fastapi import APIRouter\n\n"
        "router = APIRouter()\n\n\n"
        '@router.post("/notes", status_code=201)\n'
        "async def create_note() -> None:\n"
        "    return None\n"
    )
    report = run_check([project], config=config_for(project, "BA105"), include_ruff=False)
    assert report.findings == []
