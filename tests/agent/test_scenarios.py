"""`backend-agent ask` as a user runs it, against an OpenAI-compatible server on loopback.

Each scenario is one case of the `ask` issue: a way a model (or its server) could make a run
look successful or end it badly. The command line, the OpenAI client, the SDK's Chat
Completions model and our tools all run for real; the server plays a script. Verification
is a stand-in except where the verdict itself is the point (the skip scenario runs the real
checks on PostgreSQL).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend_agent import cli, operations
from backend_agent.services import LocalPostgres
from backend_agent.verify import VerifyResult
from tests.agent.conftest import passing_verifier, tree
from tests.agent.fake_server import (
    MODEL,
    Reply,
    connection_reset,
    empty_choices,
    fake_server,
    message,
    raw,
    silence,
    status,
    tool_calls,
    truncated_stream,
)

CLAIM = "Done: everything is implemented and all tests pass."


@dataclass
class Ran:
    code: int
    out: str
    err: str
    requests: list[dict[str, object]]
    """What the model server received, in order."""

    def tool_outputs(self) -> str:
        """Every tool result the model was sent, as one text."""
        return "\n".join(
            str(item.get("content", ""))
            for request in self.requests
            for item in request.get("messages", [])  # type: ignore[attr-defined]
            if isinstance(item, dict) and item.get("role") == "tool"
        )


@pytest.fixture
def ask(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Ran]:
    """Run `backend-agent ask REQUEST` on `project` with a scripted server; returns what the
    user saw. Verification is a passing stand-in unless `real_verify` is given."""

    def run(
        request: str,
        replies: list[Reply],
        *options: str,
        verifier: Callable[..., VerifyResult] | None = None,
    ) -> Ran:
        stand_in = verifier or (lambda root, **_options: passing_verifier(root))
        monkeypatch.setattr("backend_agent.agent.run.verify", stand_in)
        with fake_server(replies) as server:
            monkeypatch.setenv("OPENAI_BASE_URL", server.url)
            monkeypatch.delenv("OPENAI_API_KEY", raising=False)
            args = ["ask", request, "-p", str(project), "--yes", "--model", MODEL, *options]
            code = _main(monkeypatch, args)
            requests = list(server.requests)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err, requests)

    return run


def _main(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> int:
    """`backend-agent ARGS` in this process, as the console script runs it."""
    monkeypatch.setattr(sys, "argv", ["backend-agent", *args])
    try:
        cli.main()
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def _refused_then_claims(*attempts: tuple[str, dict[str, object]]) -> list[Reply]:
    return [tool_calls(("describe_project", {})), tool_calls(*attempts), message(CLAIM)]


# --- checks the agent cannot move -------------------------------------------------------


def test_a_pytest_ini_that_deselects_a_test_is_refused(
    ask: Callable[..., Ran], project: Path
) -> None:
    before = tree(project)
    ini = "[pytest]\naddopts = --deselect tests/test_health.py::test_live_answers_ok\n"
    ran = ask(
        "Make the live endpoint answer faster",
        _refused_then_claims(("write_file", {"path": ".pytest.ini", "content": ini})),
    )
    assert "configures the checks verify runs" in ran.tool_outputs()
    assert not (project / ".pytest.ini").exists()
    assert tree(project) == before
    assert ran.code == 3
    assert "nothing changed:" in ran.err and "verified: every check passed" not in ran.out
    assert CLAIM in ran.out  # shown, under the agent's own heading, not as our verdict
    assert "the agent's account (its own words, not our verdict)" in ran.out


UNTYPED = "def total(items):\n    return sum(i.price for i in items)\n"


@pytest.mark.parametrize("header", ["# mypy: ignore-errors\n", "# ruff: noqa\n"])
def test_a_module_that_silences_its_checker_is_refused(
    ask: Callable[..., Ran], project: Path, header: str
) -> None:
    ran = ask(
        "Add a helper that totals order prices",
        _refused_then_claims(
            ("write_file", {"path": "app/services/totals.py", "content": header + UNTYPED})
        ),
    )
    assert "instead of silencing it" in ran.tool_outputs()
    assert not (project / "app/services/totals.py").exists()
    assert ran.code == 3


def test_ruff_toml_and_mypy_ini_that_exempt_a_file_are_refused(
    ask: Callable[..., Ran], project: Path
) -> None:
    ran = ask(
        "Add a helper that totals order prices",
        _refused_then_claims(
            ("write_file", {"path": "app/services/totals.py", "content": UNTYPED}),
            (
                "write_file",
                {"path": "ruff.toml", "content": 'extend-exclude = ["app/services/totals.py"]\n'},
            ),
            (
                "write_file",
                {
                    "path": ".mypy.ini",
                    "content": "[mypy]\n[mypy-app.services.totals]\nignore_errors = True\n",
                },
            ),
        ),
    )
    outputs = ran.tool_outputs()
    assert outputs.count("configures the checks verify runs") == 2
    assert not (project / "ruff.toml").exists() and not (project / ".mypy.ini").exists()
    # The untyped module itself was written: the verdict must then come from the checks.
    assert (project / "app/services/totals.py").is_file()
    assert ran.code == 0  # the stand-in verifier passes; the real checks are the next test's


LIVE_MODEL = '    status: Literal["ok"] = "ok"'
BROKEN_MODEL = '    status: Literal["ok", "up"] = "up"'


def test_skipping_the_test_of_a_behaviour_the_run_broke_is_refused_and_not_verified(
    ask: Callable[..., Ran], project: Path, postgres: LocalPostgres
) -> None:
    """The request mentions tests (that used to unlock test edits); the real checks judge."""
    databases = iter(range(10))

    def real_verify(root: Path, **options: object) -> VerifyResult:
        from backend_agent.verify import verify

        url = postgres.create_database(f"scenario_skip_{next(databases)}")
        return verify(root, database_url=url)

    skip = "import pytest\n\n\n@pytest.mark.skip(reason='flaky')\nasync def test_live_answers_ok"
    ran = ask(
        "Make the live endpoint say 'up', and keep the tests green",
        [
            tool_calls(
                (
                    "edit_file",
                    {
                        "path": "app/models/health.py",
                        "search": LIVE_MODEL,
                        "replace": BROKEN_MODEL,
                    },
                )
            ),
            tool_calls(
                (
                    "edit_file",
                    {
                        "path": "tests/test_health.py",
                        "search": "async def test_live_answers_ok",
                        "replace": skip,
                    },
                )
            ),
            *[message(CLAIM)] * 3,
        ],
        verifier=real_verify,
    )
    assert "`skip`" in ran.tool_outputs() and "a test that does not run proves nothing" in (
        ran.tool_outputs()
    )
    assert "pytest.mark.skip" not in (project / "tests/test_health.py").read_text()
    assert ran.code == 1
    assert "not verified:" in ran.err
    assert "tests/test_health.py::test_live_answers_ok (failed)" in ran.err
    assert "undo with backend-agent undo" in ran.err
    assert CLAIM in ran.out and "verified: every check passed" not in ran.out


# --- tests only grow --------------------------------------------------------------------


def _outcomes(*results: dict[str, str]) -> Callable[..., VerifyResult]:
    """A stand-in verifier whose runs report these test outcomes, in turn."""
    queue = list(results)

    def verifier(root: Path, **_options: object) -> VerifyResult:
        result = passing_verifier(root)
        result.tests = queue.pop(0) if len(queue) > 1 else queue[0]
        return result

    return verifier


def test_a_test_that_passed_before_and_is_skipped_after_fails_the_run(
    ask: Callable[..., Ran],
) -> None:
    health = "tests/test_health.py::test_live_answers_ok"
    ran = ask(
        "Add a greeting service",
        [
            tool_calls(
                ("write_file", {"path": "app/services/greeting.py", "content": '"""Hi."""\n'})
            ),
            *[message(CLAIM)] * 3,
        ],
        verifier=_outcomes({health: "passed"}, {health: "skipped"}),
    )
    assert ran.code == 1
    assert f"tests that passed before the run no longer pass: {health} (skipped)" in ran.err
    handed_back = str(ran.requests[2]["messages"])
    assert "Tests that passed before your change no longer pass" in handed_back


def test_tests_an_operation_removed_are_listed_with_it(
    ask: Callable[..., Ran], project: Path
) -> None:
    operations.add_resource(project, "Tag", ["label:str"])
    tag_test = "tests/test_tags.py::test_create_tag"
    ran = ask(
        "Drop tags",
        [tool_calls(("remove_resource", {"name": "Tag"})), message("Removed tags.")],
        verifier=_outcomes({tag_test: "passed", "tests/test_new.py::test_new": "skipped"}, {}),
    )
    assert ran.code == 0, ran.err
    assert f"- {tag_test} (removed by `remove resource Tag`)" in ran.out


# --- no empty success -------------------------------------------------------------------


def test_invalid_arguments_and_unknown_tools_that_change_nothing_exit_3(
    ask: Callable[..., Ran], project: Path
) -> None:
    before = tree(project)
    ran = ask(
        "Add users",
        [
            tool_calls(("add_resource", '{"name": "User", "fields": ['), ("run_shell", {})),
            message(CLAIM),
        ],
    )
    outputs = ran.tool_outputs()
    assert "not valid JSON" in outputs and "not found" in outputs
    assert ran.code == 3 and "nothing changed:" in ran.err
    assert tree(project) == before


# --- failures speak in one line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (raw("Hello, I am not JSON"), "answered HTTP 200 (text/plain): 'Hello, I am not JSON'"),
        (
            raw("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
            "answered HTTP 200 (text/html): '<html><body><h1>502 Bad Gateway",
        ),
        (empty_choices(), "answered something that is not a usable completion"),
        (truncated_stream(), "closed or refused the connection"),
        (connection_reset(), "closed or refused the connection"),
        (status(500, "model crashed"), "answered HTTP 500"),
    ],
    ids=["non-JSON 200", "HTML 200", "empty choices", "truncated stream", "reset", "HTTP 500"],
)
def test_a_broken_model_server_ends_in_one_line_and_the_project_unchanged(
    ask: Callable[..., Ran], project: Path, reply: Reply, says: str
) -> None:
    before = tree(project)
    ran = ask("Add users", [reply, reply])  # the client retries once
    assert ran.code == 1
    assert "Traceback" not in ran.err
    lines = [line for line in ran.err.splitlines() if line.startswith("not verified:")]
    assert len(lines) == 1
    assert "the model server at http://127.0.0.1:" in lines[0] and says in lines[0]
    assert lines[0].endswith("(project unchanged)")
    assert tree(project) == before


def test_a_server_failing_mid_run_leaves_an_undoable_project(
    ask: Callable[..., Ran], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(project)
    broken = raw("<html>gateway timeout</html>", "text/html")
    ran = ask(
        "Add tags",
        [
            tool_calls(
                (
                    "add_resource",
                    {"name": "Tag", "fields": ["label:str"], "ops": None, "store": "postgres"},
                )
            ),
            broken,
            broken,
        ],
    )
    assert ran.code == 1
    assert "(changes kept; undo with backend-agent undo)" in ran.err
    assert (project / "app/services/tags.py").is_file()
    assert _main(monkeypatch, ["undo", "-p", str(project)]) == 0
    assert tree(project) == before


def test_a_silent_server_ends_within_the_call_timeout(ask: Callable[..., Ran]) -> None:
    started = time.monotonic()
    ran = ask("Add users", [silence(30), silence(30)], "--call-timeout", "1")
    elapsed = time.monotonic() - started
    assert ran.code == 1
    assert "did not answer in 1 s (raise --call-timeout for a slow model)" in ran.err
    assert elapsed < 15


def test_the_whole_run_ends_within_its_timeout(ask: Callable[..., Ran]) -> None:
    ran = ask("Add users", [silence(30)], "--timeout", "2")
    assert ran.code == 1
    assert "the time limit (2 s) ran out" in ran.err


def test_a_429_is_retried_once_and_the_run_goes_on(ask: Callable[..., Ran], project: Path) -> None:
    ran = ask(
        "Add tags",
        [
            status(429, "rate limited"),
            tool_calls(
                (
                    "add_resource",
                    {"name": "Tag", "fields": ["label:str"], "ops": None, "store": "postgres"},
                )
            ),
            message("Added tags."),
        ],
    )
    assert ran.code == 0, ran.err
    assert "verified: every check passed" in ran.out
    assert (project / "app/services/tags.py").is_file()


# --- one history ------------------------------------------------------------------------


def test_undo_after_ask_keeps_a_file_edited_since(
    ask: Callable[..., Ran],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran = ask(
        "Add a greeting service",
        [
            tool_calls(
                ("write_file", {"path": "app/services/greeting.py", "content": '"""Hi."""\n'})
            ),
            message("Added it."),
        ],
    )
    assert ran.code == 0, ran.err
    greeting = project / "app/services/greeting.py"
    greeting.write_text('"""Hi, edited by hand after the run."""\n')
    assert _main(monkeypatch, ["undo", "-p", str(project)]) == 1
    err = capsys.readouterr().err
    assert "app/services/greeting.py changed since `ask 'Add a greeting service'`" in err
    assert greeting.read_text() == '"""Hi, edited by hand after the run."""\n'


def test_a_hard_link_to_an_outside_file_is_not_read(
    ask: Callable[..., Ran], project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "credentials.txt"
    outside.write_text("token=very-secret-value\n")
    (project / "notes.txt").hardlink_to(outside)
    ran = ask(
        "Summarise the notes",
        [tool_calls(("read_file", {"path": "notes.txt"})), message("Nothing to read.")],
    )
    assert "is a hard link" in ran.tool_outputs()
    assert "very-secret-value" not in str(ran.requests)
    assert ran.code == 3
