"""The `check` and `rule` commands, registered on a local Typer app as the CLI registers them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from backend_agent.audit.commands import check, rule
from backend_agent.errors import UsageError
from tests.helpers import run_cli

app = typer.Typer()
app.command("check")(check)
app.command("rule")(rule)
runner = CliRunner()

BAD = 'import os\n\nTOKEN = os.getenv("GITHUB_TOKEN", "ghp_123")\n'


@pytest.fixture
def bad_project(project: Path) -> Path:
    (project / "app").mkdir()
    (project / "app" / "settings.py").write_text(BAD)
    return project


def test_findings_exit_1(bad_project: Path) -> None:
    result = runner.invoke(app, ["check", str(bad_project), "--no-ruff"])
    assert result.exit_code == 1
    assert "BA302" in result.output
    assert "Found 1 finding in 1 file." in result.output


def test_clean_exits_0(project: Path) -> None:
    (project / "ok.py").write_text("X = 1\n")
    result = runner.invoke(app, ["check", str(project)])
    assert result.exit_code == 0, result.output
    assert "All checks passed (1 files)." in result.output


def test_exit_zero(bad_project: Path) -> None:
    result = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--exit-zero"])
    assert result.exit_code == 0


def test_ignore_and_select(bad_project: Path) -> None:
    ignored = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--ignore", "BA3"])
    selected = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--select", "BA1"])
    assert (ignored.exit_code, selected.exit_code) == (0, 0)


def test_json_format(bad_project: Path) -> None:
    result = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--format", "json"])
    assert [item["code"] for item in json.loads(result.stdout)] == ["BA302"]


def test_github_format(bad_project: Path) -> None:
    result = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--format", "github"])
    assert result.output.startswith("::error file=")
    assert ",title=BA302::" in result.output


def test_ruff_runs_by_default(project: Path) -> None:
    (project / "debug.py").write_text("def f(x: int) -> None:\n    print(x)\n")
    result = runner.invoke(app, ["check", str(project), "--format", "json"])
    assert [item["code"] for item in json.loads(result.stdout)] == ["T201"]
    assert result.exit_code == 1


@pytest.mark.parametrize("name", ["types.py", "enum.py", "logging.py"])
def test_modules_named_like_the_standard_library_do_not_break_ruff(
    project: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / name).write_text("import typing as t\n\n\ndef f() -> None:\n    print(t.Any)\n")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", ".", "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert [item["code"] for item in json.loads(result.stdout)] == ["T201"]


def test_fix_then_clean(project: Path) -> None:
    path = project / "values.py"
    path.write_text("A = 1  # noqa: BA301\n")
    result = runner.invoke(app, ["check", str(project), "--no-ruff", "--fix"])
    assert result.exit_code == 0, result.output
    assert path.read_text() == "A = 1\n"
    assert "Fixed 1." in result.output


def test_syntax_error_is_a_finding_and_others_still_checked(bad_project: Path) -> None:
    (bad_project / "broken.py").write_text("def f(:\n")
    result = runner.invoke(app, ["check", str(bad_project), "--no-ruff", "--format", "json"])
    assert sorted(item["code"] for item in json.loads(result.stdout)) == ["BA001", "BA302"]


def test_syntax_errors_only_when_selected(bad_project: Path) -> None:
    (bad_project / "broken.py").write_text("def f(:\n")
    result = runner.invoke(
        app, ["check", str(bad_project), "--no-ruff", "--format", "json", "--select", "BA3"]
    )
    assert [item["code"] for item in json.loads(result.stdout)] == ["BA302"]


def test_a_file_that_does_not_parse_says_what_the_others_lost(project: Path) -> None:
    api = project / "app" / "api"
    api.mkdir(parents=True)
    (api / "deps.py").write_text("SessionDep = (\n")
    (api / "users.py").write_text("from app.api.deps import SessionDep, get_db\n")
    result = runner.invoke(app, ["check", str(project), "--no-ruff", "--select", "BA2"])
    assert result.exit_code == 0
    warning = " ".join(result.stderr.split())
    assert "app/api/deps.py was not checked (it does not parse)" in warning
    assert "(SessionDep, get_db) is unknown to the rules: database types for BA201" in warning
    assert "BA102" not in warning


@pytest.mark.parametrize(
    "arguments",
    [["--select", "BA999"], ["--ignore", "nonsense!"], ["does-not-exist"]],
)
def test_usage_errors(project: Path, arguments: list[str]) -> None:
    result = runner.invoke(app, ["check", str(project), "--no-ruff", *arguments])
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2


def test_unknown_ruff_code_is_a_usage_error(project: Path) -> None:
    (project / "a.py").write_text("X = 1\n")
    result = runner.invoke(app, ["check", str(project), "--select", "XYZ123"])
    assert isinstance(result.exception, UsageError)


def test_rule_prints_every_section() -> None:
    result = runner.invoke(app, ["rule", "ba201"])
    assert result.exit_code == 0
    for section in (
        "What it finds",
        "Why it matters",
        "Example",
        "Use instead",
        "Fix safety",
        "Known limits",
    ):
        assert section in result.output
    assert "db-access-in-route" in result.output


def test_rule_delegates_ruff_codes() -> None:
    result = runner.invoke(app, ["rule", "T201"])
    assert result.exit_code == 0
    assert "print" in result.output


def test_rule_unknown_code() -> None:
    result = runner.invoke(app, ["rule", "BA999"])
    assert isinstance(result.exception, UsageError)


def test_config_errors_name_the_table(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.backend-agent]\nselec = ["BA"]\n')
    result = run_cli("check", str(project))
    assert result.returncode == 2
    assert "unknown key `selec` in [tool.backend-agent] in" in " ".join(result.stderr.split())
