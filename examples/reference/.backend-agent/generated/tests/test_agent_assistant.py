"""The assistant agent through the HTTP API: the real SDK, tools on the real databases, and
an offline model that plays scripted steps (`agent_model`), so nothing reaches a network."""

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    RunContextWrapper,
    TResponseInputItem,
    Usage,
    input_guardrail,
)
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from fastapi import FastAPI
from httpx import AsyncClient

from app.agents.assistant import agent as assistant_agent
from app.api.routes.agents import get_assistant_agent
from app.core.config import Settings
from app.services.agents import AgentDeps
from tests import factories

RUNS = "/agents/assistant/runs"
CONVERSATIONS = "/agents/assistant/conversations"


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a server-sent event stream."""
    events = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if ": " in line and not line.startswith(":")
        )
        if "data" in fields:
            events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def tool_outputs(call: ModelCall) -> list[str]:
    """The tool results the model was shown in `call`."""
    items = call.input if isinstance(call.input, list) else []
    return [
        str(item["output"])
        for item in items
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    ]


def seen(call: ModelCall) -> str:
    """Everything the model was sent in `call`, as text."""
    return json.dumps(call.input, default=str)


async def test_get_user_tool_reads_the_stored_user(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    created = await factories.create_user(client)
    agent_model.extend(
        [
            [function_call("get_user", {"user_id": created["id"]}, call_id="call-1")],
            [assistant_message("Here it is.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Show me that user."})
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "Here it is."
    assert response.json()["turns"] == 2
    [output] = tool_outputs(agent_model.calls[1])
    assert json.loads(output) == created


async def test_get_user_tool_tells_the_model_what_is_missing(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend(
        [
            [function_call("get_user", {"user_id": 999999}, call_id="call-1")],
            [assistant_message("It does not exist.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Show me a user that is not there."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert "not found" in output


async def test_list_users_tool_lists_the_stored_users(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    created = await factories.create_user(client)
    agent_model.extend(
        [
            [function_call("list_users", {"offset": 0, "limit": 10}, call_id="call-1")],
            [assistant_message("There is one.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Which users are there?"})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    # The administrator `client` signs in as is the first account.
    assert json.loads(output)[1:] == [created]


async def test_list_preferences_tool_lists_the_stored_preferences(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    created = await factories.create_preference(client)
    agent_model.extend(
        [
            [function_call("list_preferences", {"offset": 0, "limit": 10}, call_id="call-1")],
            [assistant_message("There is one.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Which preferences are there?"})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert json.loads(output) == [created]


async def test_get_preference_tool_reads_the_stored_preference(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    created = await factories.create_preference(client)
    agent_model.extend(
        [
            [function_call("get_preference", {"preference_id": created["id"]}, call_id="call-1")],
            [assistant_message("Here it is.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Show me that preference."})
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "Here it is."
    assert response.json()["turns"] == 2
    [output] = tool_outputs(agent_model.calls[1])
    assert json.loads(output) == created


async def test_get_preference_tool_tells_the_model_what_is_missing(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend(
        [
            [
                function_call(
                    "get_preference",
                    {"preference_id": "0123456789abcdef01234567"},
                    call_id="call-1",
                )
            ],
            [assistant_message("It does not exist.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Show me a preference that is not there."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert "not found" in output


async def test_update_preference_tool_changes_the_preference(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    created = await factories.create_preference(client)
    changes = {"theme": (await factories.preference_payload(client))["theme"]}
    arguments = {"preference_id": created["id"], "changes": changes}
    agent_model.extend(
        [
            [function_call("update_preference", arguments, call_id="call-1")],
            [assistant_message("Changed.")],
        ]
    )
    response = await client.post(RUNS, json={"message": "Change that preference."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert json.loads(output) == {**created, **changes}


async def test_answer_is_streamed_as_server_sent_events(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend([[assistant_message("Hello there, how can I help?")]])
    response = await client.post(f"{RUNS}/stream", json={"message": "Hi"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == "Hello there, how can I help?"
    name, answer = events[-1]
    assert name == "answer"
    assert answer["answer"] == text
    assert answer["conversation_id"]


async def test_a_conversation_continues_across_requests(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend(
        [[assistant_message("Nice to meet you, Ada.")], [assistant_message("You are Ada.")]]
    )
    first = await client.post(RUNS, json={"message": "My name is Ada."})
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]
    second = await client.post(
        RUNS, json={"message": "What is my name?", "conversation_id": conversation_id}
    )
    assert second.status_code == 200, second.text
    assert second.json()["conversation_id"] == conversation_id
    history = seen(agent_model.calls[1])
    assert "My name is Ada." in history
    assert "Nice to meet you, Ada." in history


async def test_a_deleted_conversation_is_forgotten(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend([[assistant_message("Noted.")], [assistant_message("I do not know.")]])
    first = await client.post(RUNS, json={"message": "My name is Ada."})
    conversation_id = first.json()["conversation_id"]
    deleted = await client.delete(f"{CONVERSATIONS}/{conversation_id}")
    assert deleted.status_code == 204
    again = await client.post(
        RUNS, json={"message": "What is my name?", "conversation_id": conversation_id}
    )
    assert again.status_code == 200, again.text
    assert "My name is Ada." not in seen(agent_model.calls[1])


async def test_a_run_over_the_turn_limit_is_422(
    client: AsyncClient, agent_model: ScriptedModel, settings_override: Callable[..., Settings]
) -> None:
    settings_override(agent_max_turns=1)
    created = await factories.create_user(client)
    arguments: dict[str, Any] = {"user_id": created["id"]}
    agent_model.extend([[function_call("get_user", arguments, call_id="call-1")]])
    response = await client.post(RUNS, json={"message": "Keep looking."})
    assert response.status_code == 422, response.text
    assert "AGENT_MAX_TURNS" in response.json()["detail"][0]["msg"]


async def test_each_run_logs_its_usage_without_the_prompt(
    client: AsyncClient, agent_model: ScriptedModel, caplog: pytest.LogCaptureFixture
) -> None:
    agent_model.set_default_usage(
        Usage(requests=1, input_tokens=12, output_tokens=5, total_tokens=17)
    )
    agent_model.extend([[assistant_message("Done.")]])
    with caplog.at_level(logging.INFO, logger="app.services.agents"):
        response = await client.post(RUNS, json={"message": "Keep my secret plan safe."})
    assert response.status_code == 200, response.text
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.services.agents"]
    for part in ("agent=assistant", "model=ScriptedModel", "turns=1", "total_tokens=17"):
        assert part in line
    assert "latency_ms=" in line
    assert "secret plan" not in line


@input_guardrail(run_in_parallel=False)
async def no_passwords(
    ctx: RunContextWrapper[AgentDeps],
    agent: Agent[AgentDeps],
    message: str | list[TResponseInputItem],
) -> GuardrailFunctionOutput:
    """A guardrail of the kind a team adds to an agent: it refuses before the model runs."""
    return GuardrailFunctionOutput(
        output_info="messages may not contain passwords",
        tripwire_triggered="password" in str(message).lower(),
    )


async def test_a_tripped_guardrail_is_422_with_its_reason(
    app: FastAPI, client: AsyncClient, agent_model: ScriptedModel
) -> None:
    guarded = assistant_agent.clone(input_guardrails=[no_passwords])
    app.dependency_overrides[get_assistant_agent] = lambda: guarded
    try:
        response = await client.post(RUNS, json={"message": "My password is hunter2."})
    finally:
        del app.dependency_overrides[get_assistant_agent]
    assert response.status_code == 422, response.text
    assert "messages may not contain passwords" in response.json()["detail"][0]["msg"]


async def slow_answer(call: ModelCall) -> list[Any]:
    """A model step that takes longer than the tests allow a run."""
    await asyncio.sleep(2)
    return [assistant_message("Too late.")]


async def test_a_run_over_the_time_limit_is_504(
    client: AsyncClient, agent_model: ScriptedModel, settings_override: Callable[..., Settings]
) -> None:
    settings_override(agent_timeout_seconds=0.1)
    agent_model.extend([ModelStep.respond(slow_answer)])
    response = await client.post(RUNS, json={"message": "Take your time."})
    assert response.status_code == 504, response.text
    assert "0.1 seconds" in response.json()["detail"]


async def test_a_stream_over_the_time_limit_ends_with_an_error_event(
    client: AsyncClient, agent_model: ScriptedModel, settings_override: Callable[..., Settings]
) -> None:
    settings_override(agent_timeout_seconds=0.1)
    agent_model.extend([ModelStep.respond(slow_answer)])
    response = await client.post(f"{RUNS}/stream", json={"message": "Take your time."})
    assert response.status_code == 200
    name, error = sse_events(response.text)[-1]
    assert name == "error"
    assert error["status"] == 504


async def test_an_unconfigured_model_is_503_naming_the_setting(
    client: AsyncClient, settings_override: Callable[..., Settings]
) -> None:
    settings_override(agent_model=None, agent_api_key=None)
    for path in (RUNS, f"{RUNS}/stream"):
        response = await client.post(path, json={"message": "Hello?"})
        assert response.status_code == 503, response.text
        assert "AGENT_MODEL" in response.json()["detail"]
    settings_override(agent_model="gpt-4.1-mini", agent_api_key=None)
    response = await client.post(RUNS, json={"message": "Hello?"})
    assert response.status_code == 503
    assert "AGENT_API_KEY" in response.json()["detail"]


async def test_a_malformed_conversation_id_is_422(
    client: AsyncClient, agent_model: ScriptedModel
) -> None:
    response = await client.post(RUNS, json={"message": "Hi", "conversation_id": "../etc"})
    assert response.status_code == 422
    assert (await client.delete(f"{CONVERSATIONS}/a%20b")).status_code == 422


async def test_runs_need_a_token(anonymous: AsyncClient, agent_model: ScriptedModel) -> None:
    for path in (RUNS, f"{RUNS}/stream"):
        response = await anonymous.post(path, json={"message": "Hi"})
        assert response.status_code == 401
    assert (await anonymous.delete(f"{CONVERSATIONS}/anything")).status_code == 401


async def test_another_accounts_conversation_is_not_found(
    alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    agent_model.extend([[assistant_message("Noted.")], [assistant_message("Go on.")]])
    first = await alice.post(RUNS, json={"message": "My secret is 42."})
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]
    taken = {"message": "What is the secret?", "conversation_id": conversation_id}
    assert (await bob.post(RUNS, json=taken)).status_code == 404
    assert (await bob.post(f"{RUNS}/stream", json=taken)).status_code == 404
    assert (await bob.delete(f"{CONVERSATIONS}/{conversation_id}")).status_code == 404
    again = await alice.post(RUNS, json={"message": "And now?", "conversation_id": conversation_id})
    assert again.status_code == 200, again.text
    assert "My secret is 42." in seen(agent_model.calls[1])


async def test_agent_runs_are_rate_limited_per_account(
    client: AsyncClient, agent_model: ScriptedModel, settings_override: Callable[..., Settings]
) -> None:
    settings_override(agent_rate_limit="1/minute")
    agent_model.extend([[assistant_message("Once.")]])
    assert (await client.post(RUNS, json={"message": "Hi"})).status_code == 200
    response = await client.post(RUNS, json={"message": "Hi again"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_get_user_tool_cannot_reach_another_accounts_user(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    theirs = await factories.account_id(bob)
    arguments: dict[str, Any] = {"user_id": theirs}
    agent_model.extend(
        [
            [function_call("get_user", arguments, call_id="call-1")],
            [assistant_message("Not found.")],
        ]
    )
    response = await alice.post(RUNS, json={"message": "Show me theirs."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert "not found" in output


async def test_list_users_tool_lists_only_the_callers_own(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    mine = await factories.account_id(alice)
    agent_model.extend(
        [
            [function_call("list_users", {"offset": 0, "limit": 10}, call_id="call-1")],
            [assistant_message("Yours.")],
        ]
    )
    response = await alice.post(RUNS, json={"message": "Which are mine?"})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert [item["id"] for item in json.loads(output)] == [mine]


async def test_list_preferences_tool_lists_only_the_callers_own(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    mine = (await factories.create_preference(client, owner=await factories.account_id(alice)))[
        "id"
    ]
    await factories.create_preference(client, owner=await factories.account_id(bob))
    agent_model.extend(
        [
            [function_call("list_preferences", {"offset": 0, "limit": 10}, call_id="call-1")],
            [assistant_message("Yours.")],
        ]
    )
    response = await alice.post(RUNS, json={"message": "Which are mine?"})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert [item["id"] for item in json.loads(output)] == [mine]


async def test_get_preference_tool_cannot_reach_another_accounts_preference(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    theirs = (await factories.create_preference(client, owner=await factories.account_id(bob)))[
        "id"
    ]
    arguments: dict[str, Any] = {"preference_id": theirs}
    agent_model.extend(
        [
            [function_call("get_preference", arguments, call_id="call-1")],
            [assistant_message("Not found.")],
        ]
    )
    response = await alice.post(RUNS, json={"message": "Show me theirs."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert "not found" in output


async def test_update_preference_tool_cannot_reach_another_accounts_preference(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient, agent_model: ScriptedModel
) -> None:
    theirs = (await factories.create_preference(client, owner=await factories.account_id(bob)))[
        "id"
    ]
    arguments: dict[str, Any] = {"preference_id": theirs, "changes": {}}
    agent_model.extend(
        [
            [function_call("update_preference", arguments, call_id="call-1")],
            [assistant_message("Not found.")],
        ]
    )
    response = await alice.post(RUNS, json={"message": "Show me theirs."})
    assert response.status_code == 200, response.text
    [output] = tool_outputs(agent_model.calls[1])
    assert "not found" in output
