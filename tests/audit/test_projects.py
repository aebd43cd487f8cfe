"""Whole projects: the generator's idiom is clean; a hand-written app gets a reviewer's findings."""

from __future__ import annotations

import shutil
from pathlib import Path

from backend_agent.audit import AuditConfig, load_config, run_check
from tests.audit.conftest import FIXTURES, expected_findings

PROJECTS = FIXTURES / "projects"


def test_generated_project_is_clean_including_ruff() -> None:
    root = PROJECTS / "generated"
    report = run_check([root], config=load_config(root))
    assert [(f.code, f.path.name, f.line, f.message) for f in report.findings] == []
    assert report.files_checked > 20


def test_migrations_are_excluded_by_default() -> None:
    root = PROJECTS / "generated"
    report = run_check([root], config=load_config(root), include_ruff=False)
    checked = run_check(
        [root / "migrations" / "env.py"], config=load_config(root), include_ruff=False
    )
    assert report.files_checked == len(list(root.rglob("*.py"))) - 1
    assert checked.files_checked == 1


def test_handwritten_project_gets_a_reviewers_findings() -> None:
    root = PROJECTS / "handwritten"
    report = run_check([root], config=AuditConfig(root=root, select=("BA",)), include_ruff=False)
    found = {(f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings}
    assert found == expected_findings(root)


def test_ruff_findings_merge_under_ruff_codes(tmp_path: Path) -> None:
    root = tmp_path / "handwritten"
    shutil.copytree(PROJECTS / "handwritten", root)
    (root / "app" / "debug.py").write_text("def show(value: str) -> None:\n    print(value)\n")
    report = run_check([root])
    codes = {(f.path.name, f.code) for f in report.findings}
    assert ("debug.py", "T201") in codes
    assert ("products.py", "BA201") in codes
    print_finding = next(f for f in report.findings if f.code == "T201")
    assert print_finding.url is not None
    assert (print_finding.line, print_finding.column) == (2, 5)
