"""Whole projects: what the generator ships is clean; a hand-written app gets its findings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backend_agent.audit import AuditConfig, load_config, run_check
from tests.audit.conftest import FIXTURES, expected_findings

REFERENCE = Path(__file__).parents[2] / "examples" / "reference"
"""The generated reference backend (agent included); test_reference keeps it equal to the
generator's output."""
HANDWRITTEN = FIXTURES / "projects" / "handwritten"


@pytest.mark.parametrize("which", ["reference", "shop"])
def test_generated_projects_are_clean_including_ruff(which: str, shop_copy: Path) -> None:
    root = REFERENCE if which == "reference" else shop_copy
    report = run_check([root], config=load_config(root))
    assert [(f.code, f.path.name, f.line, f.message) for f in report.findings] == []
    assert report.warnings == ()
    assert report.files_checked > 20


def test_migrations_are_excluded_by_default() -> None:
    config = load_config(REFERENCE)
    report = run_check([REFERENCE], config=config, include_ruff=False)
    migrations = sorted((REFERENCE / "migrations").rglob("*.py"))
    checked = run_check(migrations[:1], config=config, include_ruff=False)
    assert migrations
    project_files = [p for p in REFERENCE.rglob("*.py") if ".backend-agent" not in p.parts]
    assert report.files_checked == len(project_files) - len(migrations)
    assert checked.files_checked == 1


def test_handwritten_project_gets_a_reviewers_findings() -> None:
    root = HANDWRITTEN
    report = run_check([root], config=AuditConfig(root=root, select=("BA",)), include_ruff=False)
    found = {(f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings}
    assert found == expected_findings(root)


def test_ruff_findings_merge_under_ruff_codes(tmp_path: Path) -> None:
    root = tmp_path / "handwritten"
    shutil.copytree(HANDWRITTEN, root)
    (root / "app" / "debug.py").write_text("def show(value: str) -> None:\n    print(value)\n")
    report = run_check([root])
    codes = {(f.path.name, f.code) for f in report.findings}
    assert ("debug.py", "T201") in codes
    assert ("products.py", "BA201") in codes
    print_finding = next(f for f in report.findings if f.code == "T201")
    assert print_finding.url is not None
    assert (print_finding.line, print_finding.column) == (2, 5)
