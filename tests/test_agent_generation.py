"""`add agent`: the blueprint entry, its refusals, and a generated agent project under verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent import operations
from backend_agent.blueprint import load_blueprint
from backend_agent.services import LocalPostgres
from backend_agent.verify import verify
from tests.helpers import run_cli, snapshot

INSTRUCTIONS = "You keep notes for the team.\nFind notes by id, list them, write new ones."
TOOLS = ["Note.read", "Note.list", "Note.create", "Note.update"]


@pytest.fixture(scope="module")
def agent_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PostgreSQL resources only, plus an agent: MongoDB is needed for its conversations alone.

    Shared by the tests of this module; they must not change it.
    """
    root = tmp_path_factory.mktemp("agents") / "notes"
    operations.new_project(root, description="Team notes.")
    operations.add_resource(root, "Note", ["title:str:min=1:max=120", "body:text"])
    operations.add_resource(root, "Tag", ["label:str:max=40"], ops=["create", "read", "list"])
    (root / "backend.toml").write_text(
        (root / "backend.toml").read_text() + "\n# Agents go below.\n", encoding="utf-8"
    )
    operations.add_agent(root, "helper", instructions=INSTRUCTIONS, tools=TOOLS)
    return root


def test_the_agent_is_in_the_blueprint_and_comments_survive(agent_project: Path) -> None:
    text = (agent_project / "backend.toml").read_text()
    assert "# Agents go below." in text
    assert "[agents.helper]" in text
    [agent] = load_blueprint(agent_project).blueprint.agents
    assert agent.instructions == INSTRUCTIONS
    assert list(agent.tools) == TOOLS


def test_an_agent_generates_its_module_routes_service_settings_and_tests(
    agent_project: Path,
) -> None:
    for path in (
        "app/agents/helper.py",
        "app/services/agents.py",
        "app/api/routes/agents.py",
        "app/models/agents.py",
        "app/db/mongo.py",
        "tests/test_agent_helper.py",
    ):
        assert (agent_project / path).is_file(), path
    module = (agent_project / "app/agents/helper.py").read_text()
    for tool in ("get_note", "list_notes", "create_note", "update_note"):
        assert f"async def {tool}(" in module
    assert "RunContextWrapper[AgentDeps]" in module
    # Notes keep timestamps, so their list takes a query: the tool takes the route's model.
    assert "query: NoteListQuery | None = None" in module
    assert "agents.include_router" not in module
    assert "    agents.router,\n" in (agent_project / "app/api/router.py").read_text()
    config = (agent_project / "app/core/config.py").read_text()
    assert "agent_api_key: SecretStr | None = None" in config
    assert "mongodb_url: SecretStr" in config
    assert '"openai-agents' in (agent_project / "pyproject.toml").read_text()


def test_a_project_without_agents_has_no_agent_code(shop_project: Path) -> None:
    assert not (shop_project / "app/agents").exists()
    assert not (shop_project / "app/services/agents.py").exists()
    assert "openai-agents" not in (shop_project / "pyproject.toml").read_text()
    assert "agent_" not in (shop_project / "app/core/config.py").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["helper2", "-i", "x", "-t", "Nobody.read"], "names unknown resource 'Nobody'"),
        (["helper2", "-i", "x", "-t", "Tag.update"], "does not expose 'update'"),
        (["helper2", "-i", "x", "-t", "Note.delete"], "operation 'delete' is not one"),
        (["helper2", "-i", "x", "-t", "note_read"], "must be RESOURCE.OPERATION"),
        (["helper2", "-i", "x", "-t", "Note.read", "-t", "Note.read"], "listed twice"),
        (["helper", "-i", "x", "-t", "Note.read"], "agent 'helper' already exists"),
        (["helper2", "-i", "  ", "-t", "Note.read"], "instructions are empty"),
        (["Helper", "-i", "x"], "must be snake_case"),
        (["deps", "-i", "x"], "reserved"),
        (["helper2", "-i", "@missing.md"], "cannot read missing.md"),
    ],
)
def test_bad_agent_input_is_one_line_and_writes_nothing(
    agent_project: Path, args: list[str], message: str
) -> None:
    before = snapshot(agent_project)
    result = run_cli("add", "agent", *args, cwd=agent_project)
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(agent_project) == before


def test_instructions_from_a_file_and_a_dry_run_that_writes_nothing(
    agent_project: Path, tmp_path: Path
) -> None:
    prompt = tmp_path / "prompt.md"
    prompt.write_text("Tag things.\n", encoding="utf-8")
    before = snapshot(agent_project)
    result = run_cli(
        "add",
        "agent",
        "tagger",
        "-i",
        f"@{prompt}",
        "-t",
        "Tag.list",
        "--dry-run",
        cwd=agent_project,
    )
    assert result.returncode == 0, result.stderr
    assert "+++ b/app/agents/tagger.py" in result.stdout
    assert "Tag things." in result.stdout
    assert snapshot(agent_project) == before


def test_the_agent_project_passes_verify(agent_project: Path, postgres: LocalPostgres) -> None:
    result = verify(agent_project, database_url=postgres.create_database("verify_agents"))
    failures = {step.name: step.output for step in result.steps if not step.ok}
    assert failures == {}
    summary = result.steps[-1].summary
    assert " passed" in summary
    assert "failed" not in summary
    assert "skipped" not in summary
