"""Accounts and access end to end: `add auth`, `--access` and `change resource --access` as a
user types them, and the project they make passing `verify`, attacks and access rules
tested by its own suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent.blueprint import load_blueprint
from backend_agent.blueprint.access import Access
from backend_agent.services import LocalPostgres, local_mongo
from backend_agent.verify import verify
from tests.helpers import run_cli, snapshot

COMMANDS: list[list[str]] = [
    ["add", "auth"],
    ["add", "resource", "Note", "title:str:max=80", "--access", "owner", "--access", "read=public"],
    ["add", "resource", "Article", "title:str", "--access", "public"],
    ["add", "resource", "Task", "title:str"],
    ["add", "resource", "Setting", "key:str:unique", "--access", "admin"],
    ["change", "resource", "Setting", "--access", "admin", "--access", "list=authenticated"],
    ["add", "resource", "Bookmark", "url:url", "--store", "mongo", "--access", "owner"],
    ["add", "resource", "Event", "name:str", "--store", "mongo", "--access", "admin"],
    ["add", "agent", "assistant", "-i", "Help with notes.", "-t", "Note.list"],
    ["add", "agent", "clerk", "-i", "Keep settings.", "-t", "Setting.update", "-t", "Event.list"],
]


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with accounts and resources at every access level, on both stores."""
    root = tmp_path_factory.mktemp("protected") / "notes"
    assert run_cli("new", str(root)).returncode == 0
    for command in COMMANDS:
        result = run_cli(*command, cwd=root)
        assert result.returncode == 0, f"{command}: {result.stderr}"
    return root


def test_the_commands_write_the_levels_into_the_blueprint(protected: Path) -> None:
    blueprint = load_blueprint(protected).blueprint
    levels = {
        resource.name: {op.value: blueprint.access(resource, op.value) for op in resource.ops}
        for resource in blueprint.resources
    }
    assert levels["Note"]["read"] is Access.PUBLIC
    assert levels["Note"]["update"] is Access.OWNER
    assert set(levels["Task"].values()) == {Access.AUTHENTICATED}
    assert levels["Setting"]["list"] is Access.AUTHENTICATED
    assert levels["Setting"]["delete"] is Access.ADMIN
    assert levels["User"]["list"] is Access.ADMIN
    note = blueprint.resource("Note")
    assert note is not None and [f.name for f in note.fields] == ["title", "owner"]


def test_a_project_with_every_access_level_passes_verify(
    protected: Path, postgres: LocalPostgres
) -> None:
    with local_mongo() as mongo:
        result = verify(
            protected,
            database_url=postgres.create_database("verify_protected"),
            mongodb_url=mongo.url(),
        )
    failures = {step.name: step.output[-3000:] for step in result.steps if not step.ok}
    assert failures == {}
    outcomes = result.tests or {}
    for test in (
        "tests/test_auth.py::test_an_unsigned_token_is_401",
        "tests/test_auth.py::test_a_token_of_a_deleted_account_is_401",
        "tests/test_notes.py::test_another_accounts_note_cannot_be_changed",
        "tests/test_bookmarks.py::test_another_accounts_bookmark_is_not_found",
        "tests/test_agent_assistant.py::test_another_accounts_conversation_is_not_found",
        "tests/test_api_fuzz.py::test_every_route_answers_as_documented",
    ):
        assert outcomes.get(test) == "passed", test


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "resource", "Tag", "x:str", "--access", "owner"], "needs accounts"),
        (["add", "resource", "Tag", "x:str", "--access", "read=everyone"], "is not a level"),
        (["change", "resource", "Article", "--access", "fly=public"], "not an operation"),
        (["change", "resource", "Article", "--access", "owner"], "add owner:ref(User)"),
        (["add", "auth"], "auth is already set up"),
    ],
)
def test_bad_access_is_one_line_and_changes_nothing(
    protected: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    project = tmp_path / "project"
    if args[:2] == ["add", "resource"]:
        assert run_cli("new", str(project)).returncode == 0
    else:
        project = protected
    before = snapshot(project)
    result = run_cli(*args, cwd=project)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(project) == before


def test_change_resource_needs_something_to_change(protected: Path) -> None:
    result = run_cli("change", "resource", "Note", cwd=protected)
    assert result.returncode == 2
    assert "say what to change: --ops, --access, --soft-delete" in result.stderr
