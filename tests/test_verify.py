"""`verify` end to end: generated projects pass every step on a real PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backend_agent.services import LocalPostgres
from backend_agent.verify import verify
from tests.helpers import run_cli

STEPS = [
    "ruff check",
    "ruff format",
    "mypy --strict",
    "backend-agent check",
    "alembic upgrade",
    "alembic check",
    "pytest",
]


def test_generated_project_passes_verify(shop_project: Path, postgres: LocalPostgres) -> None:
    result = verify(shop_project, database_url=postgres.create_database("verify_shop"))
    failures = {step.name: step.output for step in result.steps if not step.ok}
    assert failures == {}
    assert [step.name for step in result.steps] == STEPS
    pytest_step = result.steps[-1]
    assert " passed" in pytest_step.summary
    assert "failed" not in pytest_step.summary


def test_verify_cli_reports_json_and_starts_its_own_database(shop_project: Path) -> None:
    result = run_cli("verify", str(shop_project), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report
    assert report["ok"] is True
    assert [step["name"] for step in report["steps"]] == STEPS


def test_verify_fails_on_a_type_error(shop_copy: Path, postgres: LocalPostgres) -> None:
    service = shop_copy / "app/services/users.py"
    service.write_text(service.read_text() + "\n\ndef broken() -> int:\n    return 'no'\n")
    result = verify(shop_copy, database_url=postgres.create_database("verify_broken"))
    by_name = {step.name: step for step in result.steps}
    assert not result.ok
    assert not by_name["mypy --strict"].ok
    assert "app/services/users.py" in by_name["mypy --strict"].output
    assert by_name["pytest"].ok


def test_verify_fails_clearly_when_the_database_is_unreachable(shop_project: Path) -> None:
    result = run_cli(
        "verify",
        str(shop_project),
        "--database-url",
        "postgresql+asyncpg://nobody@127.0.0.1:9/none",
    )
    assert result.returncode == 1
    assert "FAIL" in result.stdout
    assert "alembic upgrade" in result.stdout


def test_generated_tests_fail_without_a_database_url(shop_project: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_health.py"],
        cwd=shop_project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode != 0
    assert "DATABASE_URL, MONGODB_URL not set" in completed.stdout


def test_verify_names_missing_tools_in_the_project_interpreter(shop_copy: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(shop_copy / ".venv")], check=True
    )
    result = verify(shop_copy)
    assert [step.name for step in result.steps] == ["dependencies"]
    assert not result.ok
    assert "lacks" in result.steps[0].summary
    assert 'pip install -e ".[dev]"' in result.steps[0].summary


def test_a_module_named_like_the_standard_library_does_not_break_the_checks(
    shop_copy: Path, postgres: LocalPostgres
) -> None:
    """Each tool runs (a `types.py` beside them used to crash ruff and pytest at start-up);
    mypy alone objects, in its own clear words."""
    (shop_copy / "types.py").write_text('"""Our own types."""\n\nPRICE = int\n')
    result = verify(shop_copy, database_url=postgres.create_database("verify_types"))
    failed = {step.name: step.summary for step in result.steps if not step.ok}
    assert failed == {"mypy --strict": 'types.py: error: This file shadows library module "types"'}
