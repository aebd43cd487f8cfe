"""`ask` as the CLI runs it: cheap to import, one-line errors, the printed report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from agents.testing import ScriptedModel
from typer.testing import CliRunner

from backend_agent.agent import command
from backend_agent.errors import UsageError
from backend_agent.verify import VerifyResult
from tests.agent.conftest import passing_verifier, tree
from tests.agent.scripts import USERS_REQUEST, users_session

app = typer.Typer()
app.command()(command.ask)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_AGENT_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_importing_the_command_does_not_import_the_sdk() -> None:
    code = "import sys, backend_agent.agent.command; print('agents' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"


@pytest.mark.usefixtures("no_model")
def test_no_model_is_one_line_naming_the_variable_and_the_command(project: Path) -> None:
    result = CliRunner().invoke(
        app, ["create a users resource with email", "-p", str(project), "--yes"]
    )
    error = result.exception
    assert isinstance(error, UsageError) and error.exit_code == 2
    message = str(error)
    assert "\n" not in message
    assert "set OPENAI_API_KEY" in message
    assert "backend-agent add resource User email:email:unique" in message


def test_changing_files_needs_yes_when_nobody_can_answer(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = CliRunner().invoke(app, ["add users", "-p", str(project)])
    assert isinstance(result.exception, UsageError)
    assert "pass --yes" in str(result.exception)


def test_dry_run_prints_the_diff_the_table_and_the_usage(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_verify(root: Path, **_options: object) -> VerifyResult:
        return passing_verifier(root)

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(
        "backend_agent.agent.providers.build_model",
        lambda name, call_timeout: ScriptedModel(users_session()),
    )
    monkeypatch.setattr("backend_agent.agent.run.verify", fake_verify)
    before = tree(project)
    result = CliRunner().invoke(app, [USERS_REQUEST, "-p", str(project), "--dry-run", "--diff"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "changes (dry run: nothing written)" in out
    assert re.search(r" A app/services/users\.py  \+\d+ -0", out)
    assert re.search(r"\b\d+ files changed", out)
    assert "+++ b/app/services/users.py" in out
    assert "pytest" in out and "pass" in out
    assert "3 requests" in out and "bytes of tool arguments" in out
    assert "bytes of code added or changed" in out
    assert "the agent's account (its own words, not our verdict)" in out
    assert "verified: every check passed" in out
    assert tree(project) == before
