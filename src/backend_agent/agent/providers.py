"""Which model `ask` talks to: OpenAI, any OpenAI-compatible server, or LiteLLM providers.

Chosen by `--model` or `BACKEND_AGENT_MODEL`:
- `litellm/<provider>/<model>` goes through the SDK's LiteLLM extension (keys from the
  provider's own variables, e.g. ANTHROPIC_API_KEY);
- with `OPENAI_BASE_URL` set, any OpenAI-compatible server (Ollama, vLLM) through the
  Chat Completions API, which such servers implement;
- otherwise OpenAI itself with `OPENAI_API_KEY` (Responses API).
Deciding needs no SDK import, so a missing configuration is reported at once. Every model
is wrapped in a `WatchedModel`: a per-call timeout, a status line, one-line failures.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from backend_agent.agent.limits import DEFAULT_CALL_TIMEOUT_SECONDS
from backend_agent.errors import UsageError

if TYPE_CHECKING:
    from agents import Model
    from httpx2 import Response
    from openai import AsyncOpenAI

    from backend_agent.agent.watched_model import LastAnswer, WatchedModel

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


def build_model(
    name: str | None,
    env: Mapping[str, str] | None = None,
    *,
    call_timeout: float = DEFAULT_CALL_TIMEOUT_SECONDS,
) -> WatchedModel:
    """The SDK model for this configuration, watched.

    Args:
        name: `--model`, if given.
        env: The environment to read (default: this process's).
        call_timeout: Seconds one model call may stay silent before it is retried once,
            then given up.

    Raises:
        UsageError: nothing is configured, or the LiteLLM extension is missing.
    """
    from backend_agent.agent.watched_model import WatchedModel

    env = os.environ if env is None else env
    if problem := configuration_problem(name, env):
        raise UsageError(problem)
    chosen = chosen_model(name, env)
    if chosen is not None and chosen.startswith(LITELLM_PREFIX):
        provider_model = chosen.removeprefix(LITELLM_PREFIX)
        return WatchedModel(_litellm(provider_model), server=f"LiteLLM ({provider_model})")
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from agents.models import get_default_model

    model_name = chosen or env.get("OPENAI_DEFAULT_MODEL") or get_default_model()
    base_url = env.get("OPENAI_BASE_URL")
    # Local servers ignore the key, but the client insists on having one.
    key = env.get("OPENAI_API_KEY") or "unused"
    client, last_answer = _client(base_url, key, call_timeout)
    if base_url:
        return WatchedModel(
            OpenAIChatCompletionsModel(model=model_name, openai_client=client),
            server=f"the model server at {base_url}",
            last_answer=last_answer,
            call_timeout=call_timeout,
        )
    return WatchedModel(
        OpenAIResponsesModel(model=model_name, openai_client=client),
        server="OpenAI",
        last_answer=last_answer,
        call_timeout=call_timeout,
    )


MAX_RETRIES = 1
"""A failed or silent call is tried once more (a 429 or a restarting server), then the run stops."""
ANSWER_PEEK_BYTES = 2_000


def _client(base_url: str | None, key: str, call_timeout: float) -> tuple[AsyncOpenAI, LastAnswer]:
    """An OpenAI client that remembers the start of every answer, to explain a bad one."""
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    from backend_agent.agent.watched_model import LastAnswer

    last_answer = LastAnswer()

    async def remember(response: Response) -> None:
        await response.aread()
        last_answer.status = response.status_code
        last_answer.content_type = response.headers.get("content-type", "")
        last_answer.body = response.content[:ANSWER_PEEK_BYTES].decode("utf-8", "replace")

    http = DefaultAsyncHttpxClient(event_hooks={"response": [remember]})
    client = AsyncOpenAI(
        base_url=base_url,
        api_key=key,
        timeout=call_timeout,
        max_retries=MAX_RETRIES,
        http_client=http,
    )
    return client, last_answer


def _litellm(model_name: str) -> Model:
    if not model_name:
        raise UsageError("name the model after litellm/, e.g. litellm/anthropic/claude-sonnet-4-5")
    try:
        from agents.extensions.models.litellm_model import LitellmModel
    except ImportError:
        raise UsageError(LITELLM_MISSING) from None
    return LitellmModel(model=model_name)
