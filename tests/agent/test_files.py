"""The file layer on its own: confinement, secrets, links, exact-match edits, and the guards
that keep the checks where they were (no configuration changes, no suppressions, tests only
grow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend_agent.agent.files import Refused, Workspace, is_secret

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
    [
        "x = 1  # type: ignore[assignment]\n",
        "x = 1  # noqa: F841\n",
        "x = 1  # pragma: no cover\n",
        "# ruff: noqa\nx = 1\n",
        "# mypy: ignore-errors\nx = 1\n",
        "# mypy: disable-error-code=no-untyped-def\nx = 1\n",
        "# pyright: basic\nx = 1\n",
        "# fmt: off\nx = 1\n",
        "# isort: skip_file\nx = 1\n",
    ],
)
def test_checkers_cannot_be_silenced_by_line_or_by_file(
    workspace: Workspace, silenced: str
) -> None:
    with pytest.raises(Refused, match="fix what the checker reports instead of silencing it"):
        workspace.write("app/main.py", silenced)
    with pytest.raises(Refused, match="instead of silencing it"):
        workspace.write("app/services/new_module.py", silenced)
    assert workspace.read("app/main.py") == "x = 1\ny = 2\nx = 1\n"


def test_a_suppression_already_there_may_stay(workspace: Workspace) -> None:
    (workspace.root / "app/legacy.py").write_text("x = 1  # noqa: F841\n")
    assert "updated" in workspace.write("app/legacy.py", "x = 1  # noqa: F841\ny = 2\n")
    assert "created" in workspace.write("app/text.py", 'HELP = "write # noqa to silence"\n')


@pytest.mark.parametrize(
    "path",
    [
        "conftest.py",
        "tests/conftest.py",
        "tests/api/conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "pytest.toml",
        "tox.ini",
        "setup.cfg",
        "mypy.ini",
        ".mypy.ini",
        "ruff.toml",
        ".ruff.toml",
        "app/ruff.toml",
        ".coveragerc",
        "alembic.ini",
        "migrations/env.py",
    ],
)
def test_check_configuration_is_out_of_reach_whatever_the_request(
    workspace: Workspace, path: str
) -> None:
    with pytest.raises(Refused, match="configures the checks verify runs"):
        workspace.write(path, "[pytest]\naddopts = --deselect tests/test_math.py::test_one\n")


def test_check_settings_in_any_pyproject_are_guarded(workspace: Workspace) -> None:
    original = '[project]\nname = "x"\n\n[tool.mypy]\nstrict = true\n'
    (workspace.root / "pyproject.toml").write_text(original)
    assert "updated" in workspace.write("pyproject.toml", original.replace('"x"', '"y"'))
    for changed in (
        original.replace("true", "false"),
        original + '\n[tool.pytest.ini_options]\naddopts = "-p no:warnings"\n',
        original + '\n[tool.ruff.lint.per-file-ignores]\n"app/*" = ["ALL"]\n',
    ):
        with pytest.raises(Refused, match="alters how the checks run"):
            workspace.write("pyproject.toml", changed)
    with pytest.raises(Refused, match="alters how the checks run"):
        workspace.write("app/pyproject.toml", "[tool.ruff]\nexclude = ['*']\n")


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("app/services/users.pyi", "what the type checker"),
        ("app/hook.pth", "what the type checker or the interpreter"),
        ("pytest.py", "Python files belong under"),
        ("ruff/__main__.py", "Python files belong under"),
        ("scripts/seed.py", "Python files belong under"),
    ],
)
def test_stubs_and_modules_that_could_stand_in_for_tools_are_refused(
    workspace: Workspace, path: str, says: str
) -> None:
    with pytest.raises(Refused, match=says):
        workspace.write(path, "import sys\n")


def test_existing_tests_may_grow_whatever_the_request(workspace: Workspace) -> None:
    changed = TEST_FILE + "\n\ndef test_three() -> None:\n    assert 3 == 3\n"
    assert "updated" in workspace.write("tests/test_math.py", changed)
    assert workspace.write("tests/test_new.py", "def test_new() -> None:\n    assert True\n")


@pytest.mark.parametrize(
    "weakened",
    [
        TEST_FILE.replace('    assert "a".upper() == "A"\n', "    pass\n"),
        TEST_FILE.replace("1 + 1 == 2", "True"),
        TEST_FILE.replace("1 + 1 == 2", "1 + 1 == 2 or True"),
        "",
    ],
    ids=["deleted", "rewritten", "loosened", "emptied"],
)
def test_asserts_and_tests_are_never_removed(workspace: Workspace, weakened: str) -> None:
    with pytest.raises(Refused, match=r"remove .*(assert|test)"):
        workspace.write("tests/test_math.py", weakened)
    assert workspace.read("tests/test_math.py") == TEST_FILE


@pytest.mark.parametrize(
    ("weakened", "says"),
    [
        ("import pytest\n\n\n@pytest.mark.skip\n" + TEST_FILE, "`skip`"),
        ("import pytest\n\n\n@pytest.mark.skipif(True, reason='x')\n" + TEST_FILE, "`skipif`"),
        ("import pytest\n\n\n@pytest.mark.xfail\n" + TEST_FILE, "`xfail`"),
        ("import pytest\n\npytestmark = pytest.mark.skip\n\n" + TEST_FILE, "`skip`"),
        (
            TEST_FILE.replace(
                "    assert 1 + 1", "    import pytest\n    pytest.skip('x')\n    assert 1 + 1"
            ),
            "`skip`",
        ),
        (
            "from pytest import skip\n"
            + TEST_FILE.replace("    assert 1 + 1", "    skip()\n    assert 1 + 1"),
            "`skip`",
        ),
        (
            TEST_FILE.replace("    assert 1 + 1 == 2", "    if False:\n        assert 1 + 1 == 2"),
            "`if False:`",
        ),
        (
            TEST_FILE.replace("    assert 1 + 1 == 2", "    return\n    assert 1 + 1 == 2"),
            "`early return`",
        ),
        (TEST_FILE.replace("def test_one", "def _test_one"), "remove or rename 1 test"),
    ],
    ids=[
        "skip marker",
        "skipif marker",
        "xfail marker",
        "pytestmark",
        "pytest.skip call",
        "bare skip call",
        "if False",
        "early return",
        "renamed",
    ],
)
def test_tests_cannot_be_skipped_or_short_circuited(
    workspace: Workspace, weakened: str, says: str
) -> None:
    with pytest.raises(Refused, match=says):
        workspace.write("tests/test_math.py", weakened)
    if "def _test_one" not in weakened:  # a new file has no test to lose, but may not skip
        with pytest.raises(Refused, match=says):
            workspace.write("tests/test_brand_new.py", weakened)
    assert workspace.read("tests/test_math.py") == TEST_FILE


def test_hard_links_are_refused_like_symlinks(workspace: Workspace, tmp_path: Path) -> None:
    outside = tmp_path / "outside_secret.txt"
    outside.write_text("API_TOKEN=hunter2\n")
    os.link(outside, workspace.root / "app" / "notes.txt")
    with pytest.raises(Refused, match="hard link"):
        workspace.read("app/notes.txt")
    with pytest.raises(Refused, match="hard link"):
        workspace.write("app/notes.txt", "overwritten\n")
    assert outside.read_text() == "API_TOKEN=hunter2\n"


def test_blueprint_writes_must_validate(workspace: Workspace) -> None:
    with pytest.raises(Refused, match="not written"):
        workspace.write("backend.toml", "[project]\nname = 'Bad Name'\n")


def test_new_files_get_ordinary_permissions(workspace: Workspace) -> None:
    workspace.write("app/x.py", "a = 1\n")
    assert oct(os.stat(workspace.root / "app/x.py").st_mode & 0o777) == "0o644"
