"""Which model `ask` talks to: OpenAI, any OpenAI-compatible server, or LiteLLM providers.

Chosen by `--model` or `BACKEND_AGENT_MODEL`:
- `litellm/<provider>/<model>` goes through the SDK's LiteLLM extension (keys from the
  provider's own variables, e.g. ANTHROPIC_API_KEY);
- with `OPENAI_BASE_URL` set, any OpenAI-compatible server (Ollama, vLLM) through the
  Chat Completions API, which such servers implement;
- otherwise OpenAI itself with `OPENAI_API_KEY` (Responses API).
Deciding needs no SDK import, so a missing configuration is reported at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from backend_agent.errors import UsageError

if TYPE_CHECKING:
    from agents import Model

MODEL_ENV = "BACKEND_AGENT_MODEL"
LITELLM_PREFIX = "litellm/"
LITELLM_MISSING = 'the LiteLLM extension is not installed: pip install "openai-agents[litellm]"'
NO_MODEL = (
    "no model configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible "
    "server (Ollama, vLLM), or pass --model litellm/<provider>/<model> "
    f"(or set {MODEL_ENV})"
)


def chosen_model(name: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The model name from `--model`, else from the environment (None: provider default)."""
    env = os.environ if env is None else env
    return name or env.get(MODEL_ENV) or None


def configuration_problem(name: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """Why no model can be built from this configuration, or None when one can."""
    env = os.environ if env is None else env
    chosen = chosen_model(name, env)
    if chosen is not None and chosen.startswith(LITELLM_PREFIX):
        return None
    if env.get("OPENAI_BASE_URL"):
        if chosen is None and not env.get("OPENAI_DEFAULT_MODEL"):
            return (
                "OPENAI_BASE_URL is set but no model is named: pass --model (e.g. the name "
                f"your server lists) or set {MODEL_ENV}"
            )
        return None
    if env.get("OPENAI_API_KEY"):
        return None
    return NO_MODEL


def build_model(name: str | None, env: Mapping[str, str] | None = None) -> Model:
    """The SDK model for this configuration.

    Raises:
        UsageError: nothing is configured, or the LiteLLM extension is missing.
    """
    env = os.environ if env is None else env
    if problem := configuration_problem(name, env):
        raise UsageError(problem)
    chosen = chosen_model(name, env)
    if chosen is not None and chosen.startswith(LITELLM_PREFIX):
        return _litellm(chosen.removeprefix(LITELLM_PREFIX))
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from agents.models import get_default_model
    from openai import AsyncOpenAI

    model_name = chosen or env.get("OPENAI_DEFAULT_MODEL") or get_default_model()
    base_url = env.get("OPENAI_BASE_URL")
    if base_url:
        # Local servers ignore the key, but the client insists on having one.
        client = AsyncOpenAI(base_url=base_url, api_key=env.get("OPENAI_API_KEY") or "unused")
        return OpenAIChatCompletionsModel(model=model_name, openai_client=client)
    return OpenAIResponsesModel(
        model=model_name, openai_client=AsyncOpenAI(api_key=env["OPENAI_API_KEY"])
    )


def _litellm(model_name: str) -> Model:
    if not model_name:
        raise UsageError("name the model after litellm/, e.g. litellm/anthropic/claude-sonnet-4-5")
    try:
        from agents.extensions.models.litellm_model import LitellmModel
    except ImportError:
        raise UsageError(LITELLM_MISSING) from None
    return LitellmModel(model=model_name)
