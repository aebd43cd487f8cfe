"""The command line as a user meets it: help, version, exit codes and one-line errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backend_agent import __version__, cli
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
    assert "migrations/versions/0002_create_table_articles.py" in added.stdout
    assert "backend-agent add resource User" in created.stdout


def test_new_from_a_blueprint_with_resources_suggests_verify(tmp_path: Path) -> None:
    blueprint = tmp_path / "backend.toml"
    blueprint.write_text("[project]\nname = 'shop'\n[resources.Item]\nfields = ['name:str']\n")
    created = run_cli("new", str(tmp_path / "shop"), "--from", str(blueprint))
    assert created.returncode == 0, created.stderr
    assert "backend-agent verify" in created.stdout
    assert "add resource" not in created.stdout


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


def _leaf_commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subcommands: dict[str, object] = getattr(command, "commands", {})
    if subcommands:
        for name, sub in subcommands.items():
            yield from _leaf_commands(sub, (*path, name))
    else:
        yield path


LEAVES = list(_leaf_commands(typer.main.get_command(cli.app)))


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_help_shows_every_text_as_written(path: tuple[str, ...]) -> None:
    """Help is not read as markup: `list[str]` and `email:email:unique` stay as written."""
    command: Any = typer.main.get_command(cli.app)
    for name in path:
        command = command.commands[name]
    result = CliRunner().invoke(cli.app, [*path, "--help"], env={"COLUMNS": "400"})
    shown = " ".join(result.output.replace("│", " ").split())
    texts = [(command.help or "").split("\n\n")[0]]
    texts += [param.help for param in command.params if getattr(param, "help", None)]
    for text in texts:
        assert " ".join(text.replace("`", "").split()) in shown
