"""Writing safely: user edits survive regeneration (3-way merge), conflicts stop or leave
markers, every command can be previewed, undone, and is all-or-nothing even when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_agent import operations
from backend_agent.errors import ProjectBusyError, ProjectError
from backend_agent.write import HISTORY_DIR, JOURNAL, project_lock
from tests.helpers import snapshot

MYPY_CACHE = Path(__file__).parent.parent / ".mypy_cache" / "merged-projects"


def project_state(root: Path) -> dict[str, bytes]:
    """The project without undo history (which every command adds to)."""
    return {path: data for path, data in snapshot(root).items() if HISTORY_DIR not in path}


# Edits a developer makes in places a new field does not touch.
def appended_function(number: int) -> Callable[[str], str]:
    return lambda text: text + f"\n\ndef helper_{number}() -> int:\n    return {number}\n"


def comment_after_docstring(number: int) -> Callable[[str], str]:
    def edit(text: str) -> str:
        end = text.index('"""', 3) + 3
        return text[:end] + f"\n# note {number}: reviewed by the team" + text[end:]

    return edit


def changed_message(number: int) -> Callable[[str], str]:
    return lambda text: text.replace("not found", f"does not exist (code {number})")


EDITABLE = {
    "app/services/users.py": [appended_function, comment_after_docstring, changed_message],
    "app/api/routes/users.py": [appended_function, comment_after_docstring],
    "app/models/user.py": [appended_function, comment_after_docstring],
    "app/core/config.py": [appended_function],
}

edits = st.lists(
    st.tuples(
        st.sampled_from(sorted(EDITABLE)),
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=1, max_value=10_000),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda edit: (edit[0], edit[1]),
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chosen=edits)
def test_user_edits_survive_adding_a_field(
    shop_project: Path, tmp_path_factory: pytest.TempPathFactory, chosen: list[tuple[str, int, int]]
) -> None:
    project = tmp_path_factory.mktemp("merge") / "shop"
    subprocess.run(["cp", "-a", str(shop_project), str(project)], check=True)
    expected: dict[str, list[str]] = {}
    for path, kind, number in chosen:
        makers = EDITABLE[path]
        edit = makers[kind % len(makers)](number)
        target = project / path
        before = target.read_text()
        after = edit(before)
        target.write_text(after)
        added = [line for line in after.splitlines() if line not in before.splitlines()]
        expected.setdefault(path, []).extend(added)
    operations.add_field(project, "User", ["nickname:str:max=40:optional"])
    for path, lines in expected.items():
        text = (project / path).read_text()
        assert all(line in text for line in lines), path
    assert "nickname" in (project / "app/models/user.py").read_text()
    checks = [
        [sys.executable, "-m", "ruff", "check", "."],
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        [sys.executable, "-m", "mypy", "--cache-dir", str(MYPY_CACHE)],
    ]
    for command in checks:
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_conflicting_edit_stops_the_command_or_leaves_markers(shop_copy: Path) -> None:
    """The user annotated the line of a field; removing the field must not drop that silently."""
    model = shop_copy / "app/models/user.py"
    field_line = "    age: Integer | None = Field(default=None, ge=0, le=150)"
    assert field_line in model.read_text()
    model.write_text(model.read_text().replace(field_line, field_line + "  # years"))
    before = project_state(shop_copy)
    with pytest.raises(ProjectError, match=r"conflict with the regenerated code in .*user\.py"):
        operations.remove_field(shop_copy, "User", "age")
    assert project_state(shop_copy) == before
    outcome = operations.remove_field(shop_copy, "User", "age", conflict_mode="markers")
    assert "app/models/user.py" in outcome.conflicted
    text = model.read_text()
    assert "<<<<<<< yours" in text and ">>>>>>> backend-agent" in text


@pytest.mark.parametrize(
    "call",
    [
        lambda p: operations.add_field(p, "User", ["nickname:str:optional"], dry_run=True),
        lambda p: operations.remove_field(p, "User", "age", dry_run=True),
        lambda p: operations.remove_resource(p, "Review", dry_run=True),
        lambda p: operations.change_operations(p, "User", ["read"], dry_run=True),
        lambda p: operations.add_resource(p, "Tag", ["label:str"], dry_run=True),
    ],
    ids=["add field", "remove field", "remove resource", "change ops", "add resource"],
)
def test_every_writing_command_has_a_dry_run(
    shop_copy: Path, call: Callable[[Path], operations.Outcome]
) -> None:
    before = snapshot(shop_copy)
    outcome = call(shop_copy)
    assert snapshot(shop_copy) == before
    assert outcome.written
    assert outcome.migration is not None or all(
        "migrations/" not in change.path for change in outcome.written
    )
    assert all(change.diff() for change in outcome.written)


def test_undo_removes_the_migration_and_restores_removed_files(shop_copy: Path) -> None:
    before = project_state(shop_copy)
    operations.remove_resource(shop_copy, "Review")
    outcome = operations.remove_resource(shop_copy, "Product")
    assert outcome.migration is not None
    assert not (shop_copy / "app/models/product.py").exists()
    operations.undo(shop_copy)
    operations.undo(shop_copy)
    assert project_state(shop_copy) == before


def test_a_failure_while_swapping_files_in_restores_everything(
    shop_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = project_state(shop_copy)
    real_replace = os.replace
    calls = {"count": 0}

    def failing_replace(source: str | Path, target: str | Path) -> None:
        calls["count"] += 1
        if calls["count"] == 4:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        operations.add_resource(shop_copy, "Tag", ["label:str"])
    monkeypatch.undo()
    assert project_state(shop_copy) == before


KILLED_COMMAND = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from backend_agent import operations
    real_replace = os.replace
    calls = 0

    def replace_then_die(source, target):
        global calls
        calls += 1
        if calls == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(source, target)

    os.replace = replace_then_die
    operations.add_resource(Path(sys.argv[1]), "Tag", ["label:str", "weight:int:default=1"])
    """
)


@pytest.mark.parametrize("kill_at", [1, 5, 12])
def test_a_command_killed_mid_write_is_rolled_back_by_the_next(
    shop_copy: Path, kill_at: int
) -> None:
    before = project_state(shop_copy)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_COMMAND, str(shop_copy), str(kill_at)], check=False
    )
    assert killed.returncode == -signal.SIGKILL
    assert (shop_copy / JOURNAL).is_file()
    # Any command rolls the interrupted one back first; then there is nothing to do.
    assert operations.apply(shop_copy, dry_run=True).written == []
    assert not (shop_copy / JOURNAL).exists()
    assert project_state(shop_copy) == before


def test_undo_does_not_overwrite_edits_made_after_the_command(shop_copy: Path) -> None:
    operations.add_resource(shop_copy, "Tag", ["label:str"])
    service = shop_copy / "app/services/tags.py"
    service.write_text(service.read_text() + "\n# my own notes\n")
    before = project_state(shop_copy)
    with pytest.raises(
        ProjectError, match=r"app/services/tags\.py changed since `add resource Tag`"
    ):
        operations.undo(shop_copy)
    assert project_state(shop_copy) == before
    operations.undo(shop_copy, force=True)
    assert not service.exists()


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "backend_agent", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_commands_at_once_lose_nothing(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    operations.new_project(project)
    running = [
        _cli("add", "resource", name, "name:str", "-p", str(project)) for name in ("Alpha", "Beta")
    ]
    for process in running:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    blueprint = (project / "backend.toml").read_text()
    assert "[resources.Alpha]" in blueprint and "[resources.Beta]" in blueprint
    assert (project / "app/services/alphas.py").is_file()
    assert (project / "app/services/betas.py").is_file()
    migrations = sorted(path.name for path in (project / "migrations/versions").glob("0*.py"))
    assert [name[:4] for name in migrations] == ["0001", "0002", "0003"]
    created = {name.split("_create_table_")[1] for name in migrations if "_create_table_" in name}
    assert created == {"alphas.py", "betas.py"}


def test_a_command_waits_for_the_one_changing_the_project(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    operations.new_project(project)
    with project_lock(project, "add resource Slow"):
        waiting = _cli("add", "resource", "Tag", "label:str", "-p", str(project))
        time.sleep(1.0)
        assert waiting.poll() is None  # it waits instead of working from stale state
    _out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert (project / "app/services/tags.py").is_file()


def test_a_command_refuses_in_one_line_when_the_project_stays_busy(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    operations.new_project(project)
    refused: list[BaseException] = []

    def second_command() -> None:
        try:
            with project_lock(project, "add resource Other", wait=0.2):
                pass
        except ProjectBusyError as error:
            refused.append(error)

    with project_lock(project, "ask 'Add tags'"):
        other = threading.Thread(target=second_command)
        other.start()
        other.join()
    assert len(refused) == 1
    message = str(refused[0])
    assert "\n" not in message
    assert f"(`ask 'Add tags'`, process {os.getpid()}) is changing {project}" in message
    assert "run this again when it has finished" in message
