"""The command line as a user meets it: help, version, exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent import __version__
from tests.helpers import run_cli, snapshot

COMMANDS = [
    ["new"],
    ["add", "resource"],
    ["apply"],
    ["undo"],
    ["verify"],
    ["dev"],
    ["demo"],
    ["check"],
    ["rule"],
    ["ask"],
]


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"backend-agent {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("add", "resource").returncode == 2
    assert run_cli("add", "resource", "Tag", "--store", "redis").returncode == 2


def test_new_then_add_resource(tmp_path: Path) -> None:
    project = tmp_path / "blog"
    created = run_cli("new", str(project))
    assert created.returncode == 0, created.stderr
    added = run_cli("add", "resource", "Article", "title:str:max=120", "body:text", cwd=project)
    assert added.returncode == 0, added.stderr
    assert "create app/models/article.py" in " ".join(added.stdout.split())
    assert "migrations/versions/0001_create_table_articles.py" in added.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "resource", "Tag", "label:strng"], "unknown type 'strng'"),
        (["add", "resource", "User", "x:str"], "resource 'User' already exists"),
        (["add", "resource", "tag", "x:str"], "must be PascalCase, e.g. 'Tag'"),
        (["add", "resource", "Tag", "id:int"], "'id' is reserved"),
        (["add", "resource", "Tag", "owner:ref(Nobody)"], "unknown resource 'Nobody'"),
        (["add", "resource", "Tag", "x:str", "--ops", "create,fly"], "Input should be"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    shop_copy: Path, args: list[str], message: str
) -> None:
    before = snapshot(shop_copy)
    result = run_cli(*args, cwd=shop_copy)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(shop_copy) == before


def test_not_a_project(tmp_path: Path) -> None:
    result = run_cli("add", "resource", "Tag", "x:str", cwd=tmp_path)
    assert result.returncode == 1
    assert "is not a backend-agent project" in result.stderr


def test_dry_run_prints_a_plain_diff_when_piped(shop_copy: Path) -> None:
    before = snapshot(shop_copy)
    result = run_cli("add", "resource", "Tag", "label:str", "--dry-run", cwd=shop_copy)
    assert result.returncode == 0
    assert "+++ b/app/models/tag.py" in result.stdout
    assert "\x1b[" not in result.stdout
    assert snapshot(shop_copy) == before
