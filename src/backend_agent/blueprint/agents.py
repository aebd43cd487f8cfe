"""Agents in the blueprint: `[agents.NAME]` tables, their validation and their TOML edit.

An agent is an OpenAI Agents SDK assistant inside the generated API: instructions, and tools
that call the services of existing resources (`"User.read"`, `"Preference.update"`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from backend_agent.blueprint.names import check_snake_name
from backend_agent.errors import BlueprintError

if TYPE_CHECKING:
    from backend_agent.blueprint.model import Blueprint

TOOL_OPERATIONS = ("read", "list", "create", "update", "stats")
"""What an agent may do through a resource's services (`stats`: count rows by a field
declared `group`); deleting stays with people."""

RESERVED_AGENT_NAMES = frozenset({"deps", "agent", "agents"})
"""Modules of `app/agents/` and names the generated code uses for itself."""

_TOOL = re.compile(r"^(?P<resource>[A-Za-z][A-Za-z0-9]*)\.(?P<operation>[a-z]+)$")


def check_agent_name(name: str) -> str | None:
    """Return why `name` cannot name an agent, or None when it can."""
    return check_snake_name(name, kind="agent", reserved=RESERVED_AGENT_NAMES, example="assistant")


def check_tool(tool: str) -> str | None:
    """Return why `tool` is not of the form `Resource.operation`, or None when it is."""
    match = _TOOL.match(tool)
    if match is None:
        return f"tool {tool!r} must be RESOURCE.OPERATION, e.g. 'User.read'"
    if match["operation"] not in TOOL_OPERATIONS:
        return (
            f"tool {tool!r}: operation {match['operation']!r} is not one agents may use "
            f"({', '.join(TOOL_OPERATIONS)})"
        )
    return None


class AgentSpec(BaseModel):
    """One `[agents.NAME]` table: an assistant and the service operations it may call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """snake_case; names the module `app/agents/NAME.py` and the URL `/agents/NAME`."""
    instructions: str
    """The system prompt, written into the agent module as it is."""
    tools: tuple[str, ...] = ()
    """`Resource.operation` pairs, operations among read, list, create, update and stats."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if problem := check_agent_name(name):
            raise ValueError(problem)
        return name

    @field_validator("instructions")
    @classmethod
    def _has_instructions(cls, instructions: str) -> str:
        if not instructions.strip():
            raise ValueError("instructions are empty: say what the agent is for and how to act")
        return instructions.strip("\n")

    @field_validator("tools")
    @classmethod
    def _valid_tools(cls, tools: tuple[str, ...]) -> tuple[str, ...]:
        for tool in tools:
            if problem := check_tool(tool):
                raise ValueError(problem)
        if len(set(tools)) != len(tools):
            twice = next(tool for tool in tools if tools.count(tool) > 1)
            raise ValueError(f"tool {twice!r} is listed twice")
        return tools

    def pairs(self) -> list[tuple[str, str]]:
        """The tools as (resource name, operation) pairs, in the order listed."""
        return [(tool.split(".")[0], tool.split(".")[1]) for tool in self.tools]


def agents_from_data(raw: object, *, source: str) -> list[AgentSpec]:
    """The `[agents]` table (name -> table) as validated specs, with one-line errors."""
    if not isinstance(raw, dict):
        raise BlueprintError(f"{source}: [agents] must be a table of [agents.name] tables")
    specs = []
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise BlueprintError(f"{source}: agents.{name} must be a table")
        specs.append(_validated({**table, "name": name}, f"{source}: agents.{name}"))
    return specs


def agent_from_input(name: str, *, instructions: str, tools: list[str]) -> AgentSpec:
    """An agent from command-line input, with one-line errors like backend.toml's."""
    return _validated(
        {"name": name, "instructions": instructions, "tools": tools}, f"agent {name!r}"
    )


def _validated(data: dict[str, Any], where: str) -> AgentSpec:
    try:
        return AgentSpec.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"] if not isinstance(part, int))
        message = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key; remove it"
        elif problem["type"] == "missing":
            message = "missing; add it"
        prefix = where if field in ("name", "") else f"{where}: {field}"
        raise BlueprintError(f"{prefix}: {message}") from None


def check_agents(blueprint: Blueprint) -> None:
    """Each agent's tools name existing resources and operations those resources expose."""
    for agent in blueprint.agents:
        for resource_name, operation in agent.pairs():
            resource = blueprint.resource(resource_name)
            if resource is None:
                known = ", ".join(r.name for r in blueprint.resources) or "none yet"
                raise BlueprintError(
                    f"agent {agent.name!r}: tool '{resource_name}.{operation}' names unknown "
                    f"resource {resource_name!r} (known: {known})"
                )
            if operation == "stats":
                if not resource.groups:
                    raise BlueprintError(
                        f"agent {agent.name!r}: tool '{resource_name}.stats': resource "
                        f"{resource_name!r} counts by no field; mark one with :group"
                    )
            elif operation not in resource.ops:
                enabled = ", ".join(op for op in resource.ops if op in TOOL_OPERATIONS)
                raise BlueprintError(
                    f"agent {agent.name!r}: tool '{resource_name}.{operation}': resource "
                    f"{resource_name!r} does not expose {operation!r} (it has: {enabled or 'none'})"
                )
