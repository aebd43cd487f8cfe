"""The backend engineer: our instructions and tools on a model of the user's choice."""

from __future__ import annotations

from agents import Agent, Model

from backend_agent.agent.context import AskContext
from backend_agent.agent.instructions import INSTRUCTIONS
from backend_agent.agent.tools import build_tools

AGENT_NAME = "backend engineer"


def build_agent(model: Model) -> Agent[AskContext]:
    """The agent `ask` runs; tests pass a scripted model, the CLI one from `build_model`."""
    return Agent[AskContext](
        name=AGENT_NAME,
        instructions=INSTRUCTIONS,
        tools=list(build_tools()),
        model=model,
    )
