"""The agent's instructions and tool schemas, pinned by golden files reviewed like code.

A change to what the model is told or may call shows up in review as a golden-file diff.
Regenerate with `UPDATE_GOLDEN=1 pytest tests/agent/test_definition.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from agents import FunctionTool
from agents.testing import ScriptedModel

from backend_agent.agent.engineer import build_agent
from backend_agent.agent.instructions import build_instructions
from backend_agent.blueprint.model import blueprint_from_data

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()


EMPTY = blueprint_from_data({"project": {"name": "shop", "description": "A shop."}})
MIXED = blueprint_from_data(
    {
        "project": {"name": "shop", "description": "A shop."},
        "resources": {
            "User": {"fields": ["name:str", "email:email:unique"]},
            "Preference": {
                "store": "mongo",
                "fields": ["user:ref(User):unique", "theme:str"],
                "ops": ["read", "update"],
            },
        },
        "agents": {"assistant": {"instructions": "Help.", "tools": ["User.read"]}},
    }
)
MONGO_ONLY = blueprint_from_data(
    {
        "project": {"name": "notes"},
        "resources": {"Note": {"store": "mongo", "fields": ["text:text"]}},
    }
)


def test_instructions_describe_the_project_they_are_for() -> None:
    assert build_agent(ScriptedModel([]), MIXED).instructions == build_instructions(MIXED)
    _golden("instructions.md", build_instructions(EMPTY))
    _golden("instructions_mixed.md", build_instructions(MIXED))


def test_a_mongodb_project_is_not_described_as_postgresql() -> None:
    text = build_instructions(MONGO_ONLY)
    assert "- Stores: MongoDB (async PyMongo)." in text
    assert "# MongoDB" in text and "# PostgreSQL" not in text and "SessionDep" not in text
    assert "Resource Note in MongoDB (async PyMongo): text" in text
    assert "No AI agents yet" in text


def test_a_project_with_accounts_is_described_with_each_operations_level() -> None:
    protected = blueprint_from_data(
        {
            "project": {"name": "shop"},
            "auth": {"account": "User"},
            "resources": {
                "User": {"fields": ["email:email:unique"], "ops": ["read"], "access": "owner"},
                "Tag": {"ops": ["read", "delete"], "access": {"read": "public"}},
            },
        }
    )
    text = build_instructions(protected)
    assert "- Accounts: people register as User" in text
    assert "operations read (public), delete (authenticated)." in text
    assert "Change levels with `change_access`" in text
    assert "The API has no accounts yet" in build_instructions(MIXED)


def test_tools() -> None:
    agent = build_agent(ScriptedModel([]), EMPTY)
    tools = [
        {
            "name": tool.name,
            "description": tool.description,
            "strict": tool.strict_json_schema,
            "parameters": tool.params_json_schema,
        }
        for tool in agent.tools
        if isinstance(tool, FunctionTool)
    ]
    assert len(tools) == len(agent.tools)
    assert [tool["name"] for tool in tools] == [
        "describe_project",
        "read_file",
        "write_file",
        "edit_file",
        "add_resource",
        "add_field",
        "remove_field",
        "remove_resource",
        "add_auth",
        "change_access",
        "add_agent",
        "apply_blueprint",
        "check",
        "verify",
    ]
    _golden("tools.json", json.dumps(tools, indent=2) + "\n")
