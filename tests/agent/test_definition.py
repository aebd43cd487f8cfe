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
from backend_agent.agent.instructions import INSTRUCTIONS

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()


def test_instructions() -> None:
    agent = build_agent(ScriptedModel([]))
    assert agent.instructions == INSTRUCTIONS
    _golden("instructions.md", INSTRUCTIONS)


def test_tools() -> None:
    agent = build_agent(ScriptedModel([]))
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
        "add_agent",
        "apply_blueprint",
        "check",
        "verify",
    ]
    _golden("tools.json", json.dumps(tools, indent=2) + "\n")
