"""Model selection and the no-model fallback, decided from a given environment."""

from __future__ import annotations

import importlib.util

import pytest
from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel

from backend_agent.agent.providers import (
    LITELLM_MISSING,
    build_model,
    configuration_problem,
)
from backend_agent.agent.suggest import resource_noun, suggest_commands
from backend_agent.errors import UsageError


def test_no_model_configured_names_what_to_set() -> None:
    problem = configuration_problem(None, {})
    assert problem is not None
    assert "\n" not in problem
    assert problem.startswith("no model configured: set OPENAI_API_KEY")
    assert "OPENAI_BASE_URL" in problem and "litellm/" in problem
    with pytest.raises(UsageError, match="set OPENAI_API_KEY"):
        build_model(None, {})


@pytest.mark.parametrize(
    ("name", "env"),
    [
        (None, {"OPENAI_API_KEY": "sk-test"}),
        ("llama3.1", {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}),
        (None, {"OPENAI_BASE_URL": "http://h/v1", "BACKEND_AGENT_MODEL": "qwen"}),
        ("litellm/anthropic/claude-sonnet-4-5", {}),
    ],
)
def test_configurations_that_can_build_a_model(name: str | None, env: dict[str, str]) -> None:
    assert configuration_problem(name, env) is None


def test_openai_by_default_and_compatible_servers_through_chat_completions() -> None:
    openai_model = build_model("gpt-test", {"OPENAI_API_KEY": "sk-test"})
    assert isinstance(openai_model.model, OpenAIResponsesModel)
    assert openai_model.model.model == "gpt-test"
    assert openai_model.server == "OpenAI"
    local = build_model(
        None,
        {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "BACKEND_AGENT_MODEL": "qwen2.5-coder"},
        call_timeout=12,
    )
    assert isinstance(local.model, OpenAIChatCompletionsModel)
    assert local.model.model == "qwen2.5-coder"
    client = local.model._client
    assert str(client.base_url) == "http://127.0.0.1:11434/v1/"
    assert client.timeout == 12 and client.max_retries == 1
    assert local.server == "the model server at http://127.0.0.1:11434/v1"


def test_a_base_url_needs_a_model_name() -> None:
    problem = configuration_problem(None, {"OPENAI_BASE_URL": "http://h/v1"})
    assert problem is not None and "pass --model" in problem


@pytest.mark.skipif(importlib.util.find_spec("litellm") is not None, reason="litellm installed")
def test_litellm_without_the_extra_says_what_to_install() -> None:
    with pytest.raises(UsageError) as raised:
        build_model("litellm/anthropic/claude-sonnet-4-5", {})
    assert str(raised.value) == LITELLM_MISSING
    assert 'pip install "openai-agents[litellm]"' in str(raised.value)


@pytest.mark.parametrize(
    ("request_text", "noun"),
    [
        ("create a users resource with email", "User"),
        ("Create a FastAPI route for creating users in PostgreSQL with validation", "User"),
        ("add an order_items table", None),
        ("Add a categories table with name", "Category"),
        ("Add MongoDB integration for storing user preferences", None),
        ("make it faster", None),
    ],
)
def test_resource_nouns_are_found_only_when_named(request_text: str, noun: str | None) -> None:
    assert resource_noun(request_text) == noun


def test_suggestions() -> None:
    assert suggest_commands("create a users resource with email") == (
        "without a model, run: backend-agent add resource User email:email:unique ...; "
        "then backend-agent verify"
    )
    assert suggest_commands("Add MongoDB integration for storing user preferences").startswith(
        "without a model, use the commands: backend-agent add resource NAME FIELD:TYPE..."
    )
