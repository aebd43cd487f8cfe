"""Whole `ask` runs: the real SDK, a scripted model, our tools and our verification.

Only (a) and (b) verify on a real PostgreSQL; the others are about the tool layer and the
run loop and use a stand-in verifier. The scenarios of tests/agent/test_scenarios.py drive
the CLI through an OpenAI-compatible server instead.
"""

from __future__ import annotations

import ast
import os
import threading
from pathlib import Path

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from backend_agent import operations
from backend_agent.agent.run import run_ask
from backend_agent.agent.verdict import Verdict
from backend_agent.errors import ProjectBusyError, ProjectError, UsageError
from backend_agent.services import LocalPostgres
from backend_agent.verify import VerifyResult, verify
from tests.agent.conftest import passing_verifier, tool_outputs, tree
from tests.agent.scripts import (
    PREFERENCES_REQUEST,
    USER_FIELDS,
    USERS_REQUEST,
    preferences_session,
    users_session,
)

GREETINGS = "app/services/greetings.py"
BROKEN_SERVICE = '''"""Greetings for users."""


def greet(name: str) -> int:
    return f"Hello, {name}!"
'''
GREETINGS_TEST = """from app.services.greetings import greet


def test_greet() -> None:
    assert greet("Ada") == "Hello, Ada!"
"""


def test_a_users_route_is_generated_and_verified_on_postgres(
    project: Path, postgres: LocalPostgres
) -> None:
    before = tree(project)
    model = ScriptedModel(users_session())
    result = run_ask(
        USERS_REQUEST, project, model=model, database_url=postgres.create_database("ask_users")
    )
    model.assert_complete()
    assert result.error is None
    assert result.verification is not None
    failures = {step.name: step.output for step in result.verification.steps if not step.ok}
    assert failures == {}
    assert result.ok
    assert result.verify_runs == 2  # before the change, and after it
    assert result.tests is not None and result.tests.lost == {}
    assert any(test.startswith("tests/test_users.py::") for test in result.tests.added)
    changed = {change.path: change.status for change in result.changes}
    assert changed["app/services/users.py"] == "A"
    assert changed["app/api/routes/users.py"] == "A"
    assert changed["migrations/versions/0002_create_table_users.py"] == "A"
    routes = (project / "app/api/routes/users.py").read_text()
    assert '@router.post(\n    "",\n    status_code=status.HTTP_201_CREATED' in routes
    model_text = (project / "app/models/user.py").read_text()
    assert "max_length=100" in model_text and "Email" in model_text
    outputs = tool_outputs(model)
    assert "# backend.toml" in outputs["describe"]
    assert "create app/services/users.py" in outputs["add_user"]
    assert result.usage.requests == 3
    assert result.tool_argument_bytes < result.added_bytes / 20
    # One undo reverts the whole run, the operation's own history entry included.
    operations.undo(project)
    assert tree(project) == before


def test_a_preferences_in_mongodb_are_generated_and_verified(
    project: Path, postgres: LocalPostgres
) -> None:
    operations.add_resource(project, "User", USER_FIELDS)
    model = ScriptedModel(preferences_session())
    result = run_ask(
        PREFERENCES_REQUEST,
        project,
        model=model,
        database_url=postgres.create_database("ask_preferences"),
    )
    model.assert_complete()
    assert result.verification is not None
    failures = {step.name: step.output for step in result.verification.steps if not step.ok}
    assert failures == {}
    assert result.ok
    service = (project / "app/services/preferences.py").read_text()
    assert "AsyncDatabase" in (project / "app/db/mongo.py").read_text()
    assert "insert_one" in service and "DuplicateKeyError" in service
    assert "delete_by_user" in (project / "app/services/users.py").read_text()
    assert result.tool_argument_bytes < result.added_bytes / 20


def test_b_a_failing_verification_is_fixed_before_success(
    project: Path, postgres: LocalPostgres
) -> None:
    operations.add_resource(project, "User", USER_FIELDS)
    model = ScriptedModel(
        [
            [function_call("describe_project", {}, call_id="describe")],
            [
                function_call(
                    "write_file", {"path": GREETINGS, "content": BROKEN_SERVICE}, call_id="write"
                ),
                function_call(
                    "write_file",
                    {"path": "tests/test_greetings.py", "content": GREETINGS_TEST},
                    call_id="write_test",
                ),
            ],
            [function_call("verify", {}, call_id="verify_1")],
            [function_call("read_file", {"path": GREETINGS}, call_id="read")],
            [
                function_call(
                    "edit_file",
                    {"path": GREETINGS, "search": "-> int:", "replace": "-> str:"},
                    call_id="fix",
                )
            ],
            [function_call("verify", {}, call_id="verify_2")],
            [assistant_message("Added greet() in the service layer with a test; verified.")],
        ]
    )
    databases = iter(range(10))
    result = run_ask(
        "Add a service function that greets a user by name",
        project,
        model=model,
        verifier=lambda root: verify(
            root, database_url=postgres.create_database(f"ask_fix_{next(databases)}")
        ),
    )
    model.assert_complete()
    outputs = tool_outputs(model)
    assert outputs["verify_1"].startswith("verification FAILED")
    assert "FAIL mypy --strict" in outputs["verify_1"]
    assert "app/services/greetings.py" in outputs["verify_1"]
    fixed = BROKEN_SERVICE.replace("-> int:", "-> str:")
    assert outputs["fix"] == f"{GREETINGS}: updated ({len(fixed)} bytes)"
    assert (project / GREETINGS).read_text() == fixed
    assert outputs["verify_2"].startswith("verification passed")
    assert result.ok
    # Before the run, then the agent's two; the final verdict is ours, on the same files
    # the agent's last verify saw: reused.
    assert result.verify_runs == 3
    assert {change.path for change in result.changes} == {GREETINGS, "tests/test_greetings.py"}


def test_c_paths_outside_the_project_and_secrets_are_refused(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown")
    (project / ".env").write_text("DATABASE_URL=postgresql://app:s3cret-pw@db/app\n")
    (tmp_path / "outside.txt").write_text("outside")
    (project / "docs").symlink_to(tmp_path)
    attempts = {
        "parent": ("read_file", {"path": "../outside.txt"}),
        "absolute": ("read_file", {"path": "/etc/passwd"}),
        "symlink": ("read_file", {"path": "docs/outside.txt"}),
        "dotenv": ("read_file", {"path": ".env"}),
        "write_out": ("write_file", {"path": "../evil.py", "content": "x = 1\n"}),
        "state": ("write_file", {"path": ".backend-agent/generated/app/main.py", "content": ""}),
    }
    model = ScriptedModel(
        [
            [function_call(name, args, call_id=key) for key, (name, args) in attempts.items()],
            [function_call("describe_project", {}, call_id="describe")],
            [assistant_message("I cannot reach those files.")],
        ]
    )
    result = run_ask("Show me the server config", project, model=model, verifier=passing_verifier)
    outputs = tool_outputs(model)
    assert outputs["parent"] == (
        "error: '../outside.txt' contains '..': paths must stay inside the project root"
    )
    assert outputs["absolute"].startswith("error: '/etc/passwd' is absolute")
    assert "leads outside the project" in outputs["symlink"]
    assert outputs["dotenv"].startswith("error: '.env' holds secrets and is off limits")
    assert "contains '..'" in outputs["write_out"]
    assert "is tool state" in outputs["state"]
    assert not (tmp_path / "evil.py").exists()
    assert result.verdict is Verdict.NOTHING_CHANGED and result.changes == []
    everything_sent = repr([call.input for call in model.calls]) + repr(
        [call.system_instructions for call in model.calls]
    )
    assert "s3cret-pw" not in everything_sent
    assert "sk-test-never-shown" not in everything_sent
    assert ".env.example" in outputs["describe"] and "\n.env\n" not in outputs["describe"]


def test_d_malformed_arguments_come_back_as_validation_errors(project: Path) -> None:
    model = ScriptedModel(
        [
            [
                function_call("add_resource", '{"name": "User", "fields": [', call_id="json"),
                function_call(
                    "add_resource",
                    {
                        "name": 7,
                        "fields": "email:email",
                        "ops": ["create", "fly"],
                        "store": "postgres",
                    },
                    call_id="types",
                ),
                function_call("add_resource", "[1, 2]", call_id="array"),
                function_call("run_shell", {"command": "rm -rf /"}, call_id="shell"),
                function_call(
                    "add_resource",
                    {"name": "User", "fields": ["email:emial"], "ops": None, "store": "postgres"},
                    call_id="spec",
                ),
            ],
            [
                function_call(
                    "add_resource",
                    {
                        "name": "User",
                        "fields": ["email:email:unique"],
                        "ops": None,
                        "store": "postgres",
                    },
                    call_id="good",
                )
            ],
            [assistant_message("Added User.")],
        ]
    )
    result = run_ask("Add users", project, model=model, verifier=passing_verifier)
    outputs = tool_outputs(model)
    assert outputs["json"].startswith("error: invalid arguments: not valid JSON (")
    assert outputs["types"].startswith("error: invalid arguments: ")
    assert "name: Input should be a valid string" in outputs["types"]
    assert "fields: Input should be a valid list" in outputs["types"]
    expected_ops = "ops.1: Input should be 'create', 'read', 'list', 'update', 'delete' or 'bulk'"
    assert expected_ops in outputs["types"]
    assert "email:email" not in outputs["types"]  # the arguments are not echoed back
    assert outputs["array"] == (
        "error: invalid arguments: expected a JSON object with the tool's parameters"
    )
    assert outputs["spec"].startswith("error: ") and "emial" in outputs["spec"]
    assert "Tool 'run_shell' not found" in outputs["shell"]
    assert "add resource User: done" in outputs["good"]
    assert result.ok and result.claim == "Added User."


def test_e_running_out_of_turns_fails_and_undo_restores_the_project(project: Path) -> None:
    before = tree(project)
    history_before = sorted(os.listdir(project / ".backend-agent/history"))
    busy = [[function_call("describe_project", {}, call_id=f"again_{n}")] for n in range(5)]
    model = ScriptedModel(
        [
            [
                function_call(
                    "add_resource",
                    {
                        "name": "Tag",
                        "fields": ["label:str:max=30"],
                        "ops": None,
                        "store": "postgres",
                    },
                    call_id="add",
                )
            ],
            [
                function_call(
                    "write_file",
                    {"path": "app/services/tags_extra.py", "content": '"""Extra."""\n'},
                    call_id="write",
                )
            ],
            [
                function_call(
                    "edit_file",
                    {"path": "README.md", "search": "# proj", "replace": "# proj (tags)"},
                    call_id="edit",
                )
            ],
            *busy,
        ]
    )
    result = run_ask("Add tags", project, model=model, max_turns=4, verifier=passing_verifier)
    assert not result.ok
    assert result.error is not None and "turn budget (4 model calls) ran out" in result.error
    assert result.verification is None
    assert result.turns == 4
    assert {"app/services/tags_extra.py", "README.md", "app/services/tags.py"} <= {
        change.path for change in result.changes
    }
    assert result.undo_entry is not None
    command, _paths = operations.undo(project)
    assert command == "ask 'Add tags'"
    assert tree(project) == before
    assert sorted(os.listdir(project / ".backend-agent/history")) == history_before


def test_f_dry_run_leaves_the_project_byte_identical(project: Path) -> None:
    before = tree(project)
    model = ScriptedModel(users_session())
    result = run_ask(USERS_REQUEST, project, model=model, dry_run=True, verifier=passing_verifier)
    assert result.ok and result.dry_run
    assert tree(project) == before
    assert result.undo_entry is None
    diff = "".join(change.diff() for change in result.changes)
    assert "+++ b/app/services/users.py" in diff
    assert "async def create_user" in diff


class _WithoutAsserts(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> ast.Pass:
        return ast.Pass()


def test_g_asserts_cannot_be_deleted_from_tests(project: Path) -> None:
    health = (project / "tests/test_health.py").read_text()
    without_asserts = ast.unparse(_WithoutAsserts().visit(ast.parse(health)))
    first_assert = '    assert response.json() == {"status": "ok"}'
    assert health.count(first_assert) == 1
    model = ScriptedModel(
        [
            [
                function_call(
                    "write_file",
                    {"path": "tests/test_health.py", "content": without_asserts},
                    call_id="rewrite",
                ),
                function_call(
                    "edit_file",
                    {"path": "tests/test_health.py", "search": first_assert + "\n", "replace": ""},
                    call_id="edit",
                ),
            ],
            [assistant_message("The tests must stay.")],
        ]
    )
    result = run_ask("Clean up the health tests", project, model=model, verifier=passing_verifier)
    outputs = tool_outputs(model)
    assert "would remove" in outputs["rewrite"] and "never lose them" in outputs["rewrite"]
    assert "would remove 1 assert statement(s)" in outputs["edit"]
    assert (project / "tests/test_health.py").read_text() == health
    assert result.changes == []
    assert result.verdict is Verdict.NOTHING_CHANGED


def test_a_failed_final_verification_goes_back_to_the_agent(project: Path) -> None:
    results = iter([False, True])

    def verifier(root: Path) -> VerifyResult:
        outcome = passing_verifier(root)
        outcome.steps[0].ok = next(results)
        outcome.steps[0].summary = "1 passed" if outcome.steps[0].ok else "1 failed"
        return outcome

    model = ScriptedModel(
        [
            [assistant_message("All done (without checking).")],
            [
                function_call(
                    "write_file",
                    {"path": "app/services/fixed.py", "content": '"""Fixed."""\n'},
                    call_id="fix",
                )
            ],
            [assistant_message("Fixed it.")],
        ]
    )
    result = run_ask("Do it", project, model=model, verifier=verifier)
    model.assert_complete()
    handed_back = model.calls[1].input[-1]
    assert handed_back["role"] == "user"
    assert "does not pass yet" in handed_back["content"] and "1 failed" in handed_back["content"]
    assert result.ok and result.claim == "Fixed it."
    assert result.verify_runs == 2  # before (failing, reused for the first round) and after


def test_the_final_verdict_is_ours_not_the_models(project: Path) -> None:
    def failing(root: Path) -> VerifyResult:
        outcome = passing_verifier(root)
        outcome.steps[0].ok = False
        return outcome

    model = ScriptedModel(
        [
            [
                function_call(
                    "write_file",
                    {"path": "app/services/extra.py", "content": '"""Extra."""\n'},
                    call_id="write",
                )
            ],
            *([assistant_message(f"Verified, all green ({n}).")] for n in range(3)),
        ]
    )
    result = run_ask("Do it", project, model=model, verifier=failing)
    assert not result.ok
    assert result.verdict is Verdict.NOT_VERIFIED and result.error is None
    assert result.claim == "Verified, all green (2)."
    assert result.verify_runs == 2  # before, and once on the changed tree (then reused)


def test_bad_input_is_a_usage_or_project_error(project: Path, tmp_path: Path) -> None:
    model = ScriptedModel([])
    with pytest.raises(UsageError, match="request is empty"):
        run_ask("  ", project, model=model)
    with pytest.raises(ProjectError, match="not a backend-agent project"):
        run_ask("Add users", tmp_path / "nowhere", model=model)


def test_the_time_limit_stops_the_run(project: Path) -> None:
    import time

    def slow(root: Path) -> VerifyResult:
        time.sleep(0.5)
        return passing_verifier(root)

    model = ScriptedModel([[function_call("verify", {}, call_id="v")], [assistant_message("x")]])
    result = run_ask("Add users", project, model=model, verifier=slow, time_limit=0.1)
    assert not result.ok
    assert result.error is not None and "time limit" in result.error


def test_blueprint_edits_are_applied_and_check_reports_findings(project: Path) -> None:
    operations.add_resource(project, "Tag", ["label:str:max=30"])
    model = ScriptedModel(
        [
            [
                function_call(
                    "edit_file",
                    {
                        "path": "backend.toml",
                        "search": '"label:str:max=30"',
                        "replace": '"label:str:max=30", "color:str:max=7:optional"',
                    },
                    call_id="edit_blueprint",
                )
            ],
            [function_call("apply_blueprint", {}, call_id="apply")],
            [
                function_call(
                    "write_file",
                    {
                        "path": "app/services/noisy.py",
                        "content": 'def shout() -> None:\n    print("hi")\n',
                    },
                    call_id="write",
                )
            ],
            [function_call("check", {"paths": ["app/services/noisy.py"]}, call_id="check")],
            [assistant_message("done")],
        ]
    )
    result = run_ask("Give tags a colour", project, model=model, verifier=passing_verifier)
    outputs = tool_outputs(model)
    assert outputs["edit_blueprint"].startswith("backend.toml: updated")
    assert "apply: done" in outputs["apply"]
    assert "update app/models/tag.py" in outputs["apply"]
    assert "color" in (project / "app/models/tag.py").read_text()
    assert "app/services/noisy.py:2: T201" in outputs["check"]
    assert {"backend.toml", "app/models/tag.py", "app/services/noisy.py"} <= {
        change.path for change in result.changes
    }


def test_evolution_and_agent_tools_change_the_project(project: Path) -> None:
    operations.add_resource(project, "User", USER_FIELDS)
    operations.add_resource(project, "Tag", ["label:str"])
    model = ScriptedModel(
        [
            [
                function_call(
                    "add_field",
                    {"resource": "User", "fields": ["nickname:str:max=40"], "backfill": None},
                    call_id="refused",
                ),
                function_call(
                    "add_field",
                    {
                        "resource": "User",
                        "fields": ["nickname:str:max=40"],
                        "backfill": ["nickname=anon"],
                    },
                    call_id="field",
                ),
            ],
            [function_call("remove_resource", {"name": "Tag"}, call_id="remove")],
            [
                function_call(
                    "add_agent",
                    {
                        "name": "helper",
                        "instructions": "Answer questions about users.",
                        "tools": ["User.read"],
                    },
                    call_id="agent",
                )
            ],
            [assistant_message("Added nickname, removed tags, added a helper agent.")],
        ]
    )
    result = run_ask(
        "Give users a nickname, drop tags and add a helper agent",
        project,
        model=model,
        verifier=passing_verifier,
    )
    outputs = tool_outputs(model)
    assert "pass --backfill nickname=VALUE" in outputs["refused"]
    assert "add field User: done" in outputs["field"]
    assert "remove resource Tag: done" in outputs["remove"]
    assert "add agent helper: done" in outputs["agent"]
    assert result.ok
    assert "nickname" in (project / "app/models/user.py").read_text()
    assert not (project / "app/models/tag.py").exists()
    assert (project / "app/agents/helper.py").is_file()


def test_a_command_started_during_a_run_does_not_work_from_stale_state(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend_agent.write.lock.WAIT_SECONDS", 0.2)
    refused: list[str] = []

    def verifier_while_someone_types_a_command(root: Path) -> VerifyResult:
        def user_command() -> None:
            try:
                operations.add_resource(project, "Tag", ["label:str"])
            except ProjectBusyError as error:
                refused.append(str(error))

        typing = threading.Thread(target=user_command)
        typing.start()
        typing.join()
        return passing_verifier(root)

    model = ScriptedModel(
        [
            [
                function_call(
                    "add_resource",
                    {"name": "User", "fields": USER_FIELDS, "ops": None, "store": "postgres"},
                    call_id="add",
                )
            ],
            [assistant_message("Added users.")],
        ]
    )
    result = run_ask(
        "Add users", project, model=model, verifier=verifier_while_someone_types_a_command
    )
    assert result.ok
    assert refused and "(`ask 'Add users'`, process" in refused[0]
    blueprint = (project / "backend.toml").read_text()
    assert "[resources.User]" in blueprint and "[resources.Tag]" not in blueprint
