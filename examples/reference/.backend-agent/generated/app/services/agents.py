"""Agents at work: run one to an answer or stream it, with limits, memory and usage logs.

Raises domain errors; knows nothing of HTTP. The OpenAI Agents SDK takes seconds to
import, so it is imported on first use, in a worker thread while the event loop keeps
serving (`import_lazily`); `from agents ...` inside a function below only binds names
already imported.
"""

import asyncio
import importlib
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.core.config import Settings
from app.core.errors import (
    DomainError,
    LimitExceededError,
    NotConfiguredError,
    RefusedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from app.db.mongo import MongoDatabase
from app.db.session import Session
from app.models.agents import (
    AgentAnswer,
    AgentDelta,
    AgentEvent,
    AgentRunRequest,
    AgentToolCall,
)

if TYPE_CHECKING:
    from agents import Agent, Model, RunConfig, StreamEvent, Usage
    from agents.extensions.memory import MongoDBSession

logger = logging.getLogger(__name__)

CONVERSATIONS = "agent_conversations"
MESSAGES = "agent_messages"
CONVERSATION_COLLECTIONS = (CONVERSATIONS, MESSAGES)
"""Where the SDK's `MongoDBSession` keeps conversations: one document each, and their items."""


@dataclass
class AgentDeps:
    """The request's database handles, passed to tools as `RunContextWrapper[AgentDeps]`."""

    session: Session
    """The request's unit of work: what tools change commits with it, or not at all."""
    database: MongoDatabase
    """The app's MongoDB database."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by each tool call: the model may call tools in parallel, a session allows one
    operation at a time."""


async def import_lazily(module: str) -> None:
    """Import `module` in a worker thread the first time, so start-up never pays for it."""
    if module not in sys.modules:
        await asyncio.to_thread(importlib.import_module, module)


async def create_model(settings: Settings) -> "Model":
    """The model agents run on, from settings; any OpenAI-compatible server with a base URL."""
    if settings.agent_model is None:
        raise NotConfiguredError("the agent model is not configured: set AGENT_MODEL")
    if settings.agent_api_key is None:
        raise NotConfiguredError("the agent model is not configured: set AGENT_API_KEY")
    await import_lazily("agents")
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key=settings.agent_api_key.get_secret_value(),
        base_url=settings.agent_base_url,
        timeout=settings.agent_timeout_seconds,
    )
    if settings.agent_base_url:
        # OpenAI-compatible servers commonly offer Chat Completions, not the Responses API.
        return OpenAIChatCompletionsModel(model=settings.agent_model, openai_client=client)
    return OpenAIResponsesModel(model=settings.agent_model, openai_client=client)


async def run_agent(
    agent: "Agent[AgentDeps]",
    request: AgentRunRequest,
    *,
    session: Session,
    database: MongoDatabase,
    model: "Model",
    settings: Settings,
) -> AgentAnswer:
    """Run `agent` on `request` until it answers; what its tools change commits with
    the caller's unit of work, so a failed run changes nothing in PostgreSQL."""
    from agents import Runner

    name = agent.name
    conversation_id = request.conversation_id or new_conversation_id()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(settings.agent_timeout_seconds):
            result = await Runner.run(
                agent,
                request.message,
                context=AgentDeps(session, database),
                max_turns=settings.agent_max_turns,
                session=conversation(database, name, conversation_id, settings),
                run_config=_run_config(model, settings),
            )
    except Exception as error:
        _log_failure(name, model, error, started)
        if (domain_error := _domain_error(error, settings)) is None:
            raise
        raise domain_error from error
    turns = len(result.raw_responses)
    _log_run(name, model, result.context_wrapper.usage, turns, started, outcome="ok")
    return AgentAnswer(
        conversation_id=conversation_id, answer=str(result.final_output), turns=turns
    )


async def stream_agent(
    agent: "Agent[AgentDeps]",
    request: AgentRunRequest,
    *,
    session: Session,
    database: MongoDatabase,
    model: "Model",
    settings: Settings,
) -> AsyncIterator[AgentEvent]:
    """Run `agent`, yielding text deltas and tool calls as they happen, then the answer.

    A stream answers before the request ends, so it commits the session itself, before the
    final answer: a client that saw the answer knows the changes are stored. On failure it
    rolls back and raises a domain error.
    """
    from agents import Runner

    name = agent.name
    conversation_id = request.conversation_id or new_conversation_id()
    started = time.perf_counter()
    deadline = asyncio.get_running_loop().time() + settings.agent_timeout_seconds
    result = Runner.run_streamed(
        agent,
        request.message,
        context=AgentDeps(session, database),
        max_turns=settings.agent_max_turns,
        session=conversation(database, name, conversation_id, settings),
        run_config=_run_config(model, settings),
    )
    events = result.stream_events()
    try:
        while True:
            # The deadline covers the run, not the time the client takes to read the stream.
            try:
                async with asyncio.timeout_at(deadline):
                    event = await anext(events)
            except StopAsyncIteration:
                break
            if (shown := _shown(event)) is not None:
                yield shown
        await session.commit()
    except Exception as error:
        result.cancel()
        await session.rollback()
        _log_failure(name, model, error, started)
        if (domain_error := _domain_error(error, settings)) is None:
            raise
        raise domain_error from error
    turns = len(result.raw_responses)
    _log_run(name, model, result.context_wrapper.usage, turns, started, outcome="ok")
    yield AgentAnswer(conversation_id=conversation_id, answer=str(result.final_output), turns=turns)


async def delete_conversation(
    database: MongoDatabase, name: str, conversation_id: str, settings: Settings
) -> None:
    """Forget a conversation of agent `name`; forgetting an unknown one is not an error."""
    await import_lazily("agents")
    await conversation(database, name, conversation_id, settings).clear_session()


def conversation(
    database: MongoDatabase, name: str, conversation_id: str, settings: Settings
) -> "MongoDBSession":
    """The SDK's MongoDB memory of one conversation; runs see its last items only."""
    from agents import SessionSettings
    from agents.extensions.memory import MongoDBSession

    return MongoDBSession(
        f"{name}:{conversation_id}",
        client=database.client,
        database=database.name,
        sessions_collection=CONVERSATIONS,
        messages_collection=MESSAGES,
        session_settings=SessionSettings(limit=settings.agent_history_items),
    )


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def _run_config(model: "Model", settings: Settings) -> "RunConfig":
    from agents import RunConfig

    return RunConfig(model=model, tracing_disabled=not settings.agent_tracing)


def _shown(event: "StreamEvent") -> AgentDelta | AgentToolCall | None:
    """The SDK events a client sees: text as it is written, and which tools are called."""
    if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
        return AgentDelta(text=event.data.delta)
    if event.type == "run_item_stream_event" and event.item.type == "tool_call_item":
        tool = getattr(event.item.raw_item, "name", None)
        return AgentToolCall(tool=tool if isinstance(tool, str) else "tool")
    return None


def _domain_error(error: Exception, settings: Settings) -> DomainError | None:
    """The domain error for an SDK or provider failure; None for anything else (a bug)."""
    from agents import (
        InputGuardrailTripwireTriggered,
        MaxTurnsExceeded,
        ModelBehaviorError,
        ModelRefusalError,
        ModelTimeoutError,
        OutputGuardrailTripwireTriggered,
    )
    from openai import APIError, APITimeoutError

    if isinstance(error, TimeoutError | ModelTimeoutError | APITimeoutError):
        return UpstreamTimeoutError(
            f"the agent did not answer within {settings.agent_timeout_seconds:g} seconds"
        )
    if isinstance(error, MaxTurnsExceeded):
        return LimitExceededError(
            f"the agent took more than {settings.agent_max_turns} turns without answering "
            "(AGENT_MAX_TURNS); ask a narrower question"
        )
    if isinstance(error, InputGuardrailTripwireTriggered | OutputGuardrailTripwireTriggered):
        result = error.guardrail_result
        reason = result.output.output_info
        why = reason if isinstance(reason, str) else result.guardrail.get_name()
        return RefusedError(f"the request was refused: {why}")
    if isinstance(error, APIError | ModelBehaviorError | ModelRefusalError):
        return UpstreamError(f"the model provider failed ({type(error).__name__}); try again")
    return None


def _log_failure(name: str, model: "Model", error: Exception, started: float) -> None:
    """The usage line of a failed run, with what the SDK counted before it failed."""
    from agents import AgentsException

    run_data = error.run_data if isinstance(error, AgentsException) else None
    usage = run_data.context_wrapper.usage if run_data is not None else None
    turns = len(run_data.raw_responses) if run_data is not None else 0
    _log_run(name, model, usage, turns, started, outcome=type(error).__name__)


def _log_run(
    name: str, model: "Model", usage: "Usage | None", turns: int, started: float, *, outcome: str
) -> None:
    """One line per run: which model, how many turns and tokens, how long. No prompt text,
    no answer, no secret."""
    model_name = getattr(model, "model", None)
    logger.log(
        logging.INFO if outcome == "ok" else logging.WARNING,
        "agent run agent=%s model=%s outcome=%s turns=%d requests=%d input_tokens=%d "
        "output_tokens=%d total_tokens=%d latency_ms=%d",
        name,
        model_name if isinstance(model_name, str) else type(model).__name__,
        outcome,
        turns,
        usage.requests if usage else 0,
        usage.input_tokens if usage else 0,
        usage.output_tokens if usage else 0,
        usage.total_tokens if usage else 0,
        (time.perf_counter() - started) * 1000,
    )
