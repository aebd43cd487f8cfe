"""The file layer on its own: confinement, secrets, exact-match edits, tests kept whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend_agent.agent.files import Refused, Workspace, is_secret, mentions_tests

TEST_FILE = """def test_one() -> None:
    assert 1 + 1 == 2


def test_two() -> None:
    assert "a".upper() == "A"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("x = 1\ny = 2\nx = 1\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_math.py").write_text(TEST_FILE)
    (root / ".env").write_text("SECRET=hunter2\n")
    (root / ".env.example").write_text("SECRET=change-me\n")
    (tmp_path / "outside.txt").write_text("outside")
    (root / "escape").symlink_to(tmp_path / "outside.txt")
    (root / "escape_dir").symlink_to(tmp_path)
    (root / "env_link").symlink_to(root / ".env")
    return Workspace(root)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("../outside.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("~/.ssh/id_rsa", "absolute"),
        ("escape", "outside the project"),
        ("escape_dir/outside.txt", "outside the project"),
        (".env", "secrets"),
        (".env.production", "secrets"),
        ("env_link", "secrets"),
        ("certs/server.pem", "secrets"),
        ("deploy/id_rsa.pub", "secrets"),
        (".backend-agent/generated/app/main.py", "tool state"),
        (".git/config", "tool state"),
        ("", "empty path"),
    ],
)
def test_paths_outside_or_private_are_refused(workspace: Workspace, path: str, says: str) -> None:
    with pytest.raises(Refused, match=says):
        workspace.read(path)
    with pytest.raises(Refused, match=says):
        workspace.write(path, "x")


def test_reads_and_writes_inside_the_project(workspace: Workspace) -> None:
    assert workspace.read("./app/main.py").startswith("x = 1")
    assert workspace.read(".env.example") == "SECRET=change-me\n"
    written = workspace.write("app/services/new.py", "z = 3\n")
    assert written == "app/services/new.py: created (6 bytes)"
    assert (workspace.root / "app/services/new.py").read_text() == "z = 3\n"
    assert workspace.written == {"app/services/new.py"}


def test_secret_names() -> None:
    assert [is_secret(n) for n in (".env", ".env.local", ".env.example", "key.pem", "a.key")] == [
        True,
        True,
        False,
        True,
        True,
    ]


def test_edit_replaces_exactly_one_occurrence(workspace: Workspace) -> None:
    workspace.edit("app/main.py", "y = 2", "y = 3")
    assert workspace.read("app/main.py") == "x = 1\ny = 3\nx = 1\n"
    with pytest.raises(Refused, match=r"not found in app/main\.py"):
        workspace.edit("app/main.py", "y = 2", "y = 4")
    with pytest.raises(Refused, match="occurs 2 times"):
        workspace.edit("app/main.py", "x = 1", "x = 5")
    with pytest.raises(Refused, match="does not exist; use write_file"):
        workspace.edit("app/other.py", "a", "b")


def test_python_that_does_not_parse_is_not_written(workspace: Workspace) -> None:
    with pytest.raises(Refused, match="would not parse"):
        workspace.write("app/main.py", "def broken(:\n")
    assert workspace.read("app/main.py") == "x = 1\ny = 2\nx = 1\n"


@pytest.mark.parametrize(
    "silenced",
    ["x = 1  # type: ignore[assignment]\n", "x = 1  # noqa: F841\n", "x = 1  # pragma: no cover\n"],
)
def test_checkers_cannot_be_silenced(workspace: Workspace, silenced: str) -> None:
    with pytest.raises(Refused, match="fix what the checker reports instead of silencing it"):
        workspace.write("app/main.py", silenced)
    assert workspace.read("app/main.py") == "x = 1\ny = 2\nx = 1\n"
    Workspace(workspace.root, allow_test_edits=True).write("app/main.py", silenced)


def test_existing_tests_change_only_when_the_request_is_about_tests(workspace: Workspace) -> None:
    changed = TEST_FILE + "\n\ndef test_three() -> None:\n    assert 3 == 3\n"
    with pytest.raises(Refused, match="request does not ask for test changes"):
        workspace.write("tests/test_math.py", changed)
    with pytest.raises(Refused, match="request does not ask for test changes"):
        workspace.write("tests/conftest.py", "import pytest\n")
    assert workspace.write("tests/test_new.py", "def test_new() -> None:\n    assert True\n")
    workspace.allow_test_edits = True
    assert "updated" in workspace.write("tests/test_math.py", changed)


@pytest.mark.parametrize(
    "weakened",
    [
        TEST_FILE.replace('    assert "a".upper() == "A"\n', "    pass\n"),
        TEST_FILE.replace("1 + 1 == 2", "True"),
        "",
    ],
    ids=["deleted", "rewritten", "emptied"],
)
def test_asserts_are_never_removed_from_tests(workspace: Workspace, weakened: str) -> None:
    workspace.allow_test_edits = True
    with pytest.raises(Refused, match=r"remove 1 assert|remove 2 assert"):
        workspace.write("tests/test_math.py", weakened)
    assert workspace.read("tests/test_math.py") == TEST_FILE


def test_check_settings_in_pyproject_are_guarded(workspace: Workspace) -> None:
    original = '[project]\nname = "x"\n\n[tool.mypy]\nstrict = true\n'
    (workspace.root / "pyproject.toml").write_text(original)
    assert "updated" in workspace.write("pyproject.toml", original.replace('"x"', '"y"'))
    with pytest.raises(Refused, match="alters how tests, mypy or ruff run"):
        workspace.write("pyproject.toml", original.replace("true", "false"))


def test_blueprint_writes_must_validate(workspace: Workspace) -> None:
    with pytest.raises(Refused, match="not written"):
        workspace.write("backend.toml", "[project]\nname = 'Bad Name'\n")


@pytest.mark.parametrize(
    ("request_text", "about_tests"),
    [
        ("Fix the failing test for users", True),
        ("make mypy happy", True),
        ("Create a users resource with email", False),
        ("Add a contest entity", False),
    ],
)
def test_what_counts_as_a_request_about_tests(request_text: str, about_tests: bool) -> None:
    assert mentions_tests(request_text) is about_tests


def test_new_files_get_ordinary_permissions(workspace: Workspace) -> None:
    workspace.write("app/x.py", "a = 1\n")
    assert oct(os.stat(workspace.root / "app/x.py").st_mode & 0o777) == "0o644"
