"""The backend engineer: instructions for this project, our tools, the user's model."""

from __future__ import annotations

from agents import Agent, Model

from backend_agent.agent.context import AskContext
from backend_agent.agent.instructions import build_instructions
from backend_agent.agent.tools import build_tools
from backend_agent.blueprint.model import Blueprint

AGENT_NAME = "backend engineer"


def build_agent(model: Model, blueprint: Blueprint) -> Agent[AskContext]:
    """The agent `ask` runs; tests pass a scripted model, the CLI one from `build_model`."""
    return Agent[AskContext](
        name=AGENT_NAME,
        instructions=build_instructions(blueprint),
        tools=list(build_tools()),
        model=model,
    )
