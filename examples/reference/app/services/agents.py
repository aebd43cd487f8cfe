"""Agents at work: run one to an answer or stream it, with limits, memory and usage logs.

Raises domain errors; knows nothing of HTTP.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from agents import (
    Agent,
    AgentsException,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    Model,
    ModelBehaviorError,
    ModelRefusalError,
    ModelTimeoutError,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    Runner,
    SessionSettings,
    StreamEvent,
    Usage,
)
from agents.extensions.memory import MongoDBSession
from agents.result import RunResultBase
from openai import APIError, APITimeoutError, AsyncOpenAI
from pymongo.errors import DuplicateKeyError

from app.core.config import Settings
from app.core.errors import (
    DomainError,
    LimitExceededError,
    NotConfiguredError,
    NotFoundError,
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
from app.models.auth import Caller

logger = logging.getLogger(__name__)

CONVERSATIONS = "agent_conversations"
MESSAGES = "agent_messages"
CONVERSATION_OWNERS = "agent_conversation_owners"
"""Which account each conversation id belongs to: `{_id: conversation id, account_id}`."""
CONVERSATION_COLLECTIONS = (CONVERSATIONS, MESSAGES, CONVERSATION_OWNERS)
"""Where the SDK's `MongoDBSession` keeps conversations (one document each, and their items),
and whose they are."""


@dataclass
class AgentDeps:
    """The request's database handles, passed to tools as `RunContextWrapper[AgentDeps]`."""

    session: Session
    """The request's unit of work: what tools change commits with it, or not at all."""
    database: MongoDatabase
    """The app's MongoDB database."""
    caller: Caller
    """The account the run acts for: tools see and change only what it may."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by each tool call: the model may call tools in parallel, a session allows one
    operation at a time."""


def create_model(settings: Settings) -> Model:
    """The model agents run on, from settings; any OpenAI-compatible server with a base URL."""
    if settings.agent_model is None:
        raise NotConfiguredError("the agent model is not configured: set AGENT_MODEL")
    if settings.agent_api_key is None:
        raise NotConfiguredError("the agent model is not configured: set AGENT_API_KEY")
    client = AsyncOpenAI(
        api_key=settings.agent_api_key.get_secret_value(),
        base_url=settings.agent_base_url,
        timeout=settings.agent_timeout_seconds,
    )
    if settings.agent_base_url:
        # OpenAI-compatible servers commonly offer Chat Completions, not the Responses API.
        return OpenAIChatCompletionsModel(model=settings.agent_model, openai_client=client)
    return OpenAIResponsesModel(model=settings.agent_model, openai_client=client)


@dataclass
class AgentRun:
    """One run of an agent on a request: what an answered and a streamed run both hand the
    SDK, and how both end (an answer, or a domain error), each logged in one line."""

    agent: Agent[AgentDeps]
    request: AgentRunRequest
    model: Model
    settings: Settings
    caller: Caller
    conversation_id: str
    """The caller's conversation (see `claim_conversation`)."""
    started: float = field(default_factory=time.perf_counter)

    def options(self, session: Session, database: MongoDatabase) -> dict[str, Any]:
        """The SDK's arguments: the request's handles, limits, memory and model."""
        return {
            "context": AgentDeps(session, database, self.caller),
            "max_turns": self.settings.agent_max_turns,
            "session": conversation(database, self.agent.name, self.conversation_id, self.settings),
            "run_config": RunConfig(
                model=self.model, tracing_disabled=not self.settings.agent_tracing
            ),
        }

    def answer(self, result: RunResultBase) -> AgentAnswer:
        turns = len(result.raw_responses)
        self._log(result.context_wrapper.usage, turns, outcome="ok")
        return AgentAnswer(
            conversation_id=self.conversation_id, answer=str(result.final_output), turns=turns
        )

    def failure(self, error: Exception) -> DomainError:
        """The domain error for a failed run; an error that is not the SDK's or the model
        provider's (a bug) is raised as it is."""
        run_data = error.run_data if isinstance(error, AgentsException) else None
        usage = run_data.context_wrapper.usage if run_data is not None else None
        self._log(
            usage, len(run_data.raw_responses) if run_data else 0, outcome=type(error).__name__
        )
        if (domain_error := _domain_error(error, self.settings)) is None:
            raise error
        return domain_error

    def _log(self, usage: Usage | None, turns: int, *, outcome: str) -> None:
        """One line per run: which model, how many turns and tokens, how long. No prompt
        text, no answer, no secret."""
        model_name = getattr(self.model, "model", None)
        logger.log(
            logging.INFO if outcome == "ok" else logging.WARNING,
            "agent run agent=%s model=%s outcome=%s turns=%d requests=%d input_tokens=%d "
            "output_tokens=%d total_tokens=%d latency_ms=%d",
            self.agent.name,
            model_name if isinstance(model_name, str) else type(self.model).__name__,
            outcome,
            turns,
            usage.requests if usage else 0,
            usage.input_tokens if usage else 0,
            usage.output_tokens if usage else 0,
            usage.total_tokens if usage else 0,
            (time.perf_counter() - self.started) * 1000,
        )


async def run_agent(run: AgentRun, *, session: Session, database: MongoDatabase) -> AgentAnswer:
    """Run until the agent answers; what its tools change commits with the caller's unit of
    work, so a failed run changes nothing in PostgreSQL."""
    try:
        async with asyncio.timeout(run.settings.agent_timeout_seconds):
            result = await Runner.run(
                run.agent, run.request.message, **run.options(session, database)
            )
    except Exception as error:
        raise run.failure(error) from error
    return run.answer(result)


async def stream_agent(
    run: AgentRun, *, session: Session, database: MongoDatabase
) -> AsyncIterator[AgentEvent]:
    """Run, yielding text deltas and tool calls as they happen, then the answer.

    A stream answers before the request ends, so it commits the session itself, before the
    final answer: a client that saw the answer knows the changes are stored. On failure it
    rolls back and raises a domain error.
    """
    deadline = asyncio.get_running_loop().time() + run.settings.agent_timeout_seconds
    result = Runner.run_streamed(run.agent, run.request.message, **run.options(session, database))
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
        raise run.failure(error) from error
    yield run.answer(result)


async def claim_conversation(
    database: MongoDatabase, conversation_id: str | None, caller: Caller
) -> str:
    """The id of the caller's conversation: a new one when `conversation_id` is None or not
    used yet (it becomes the caller's); another account's is not found (an administrator may
    continue any)."""
    conversation_id = conversation_id or uuid.uuid4().hex
    owners = database[CONVERSATION_OWNERS]
    owner = await owners.find_one({"_id": conversation_id})
    if owner is None:
        try:
            await owners.insert_one({"_id": conversation_id, "account_id": caller.id})
            return conversation_id
        except DuplicateKeyError:  # claimed by another run a moment ago
            owner = await owners.find_one({"_id": conversation_id})
    if owner is None or (owner["account_id"] != caller.id and not caller.is_admin):
        raise NotFoundError(f"conversation {conversation_id} not found")
    return conversation_id


async def delete_conversation(
    database: MongoDatabase, name: str, conversation_id: str, settings: Settings, caller: Caller
) -> None:
    """Forget what the caller's conversation with agent `name` said (the id stays theirs);
    an unknown conversation or another account's is not found."""
    owner = await database[CONVERSATION_OWNERS].find_one({"_id": conversation_id})
    if owner is None or (owner["account_id"] != caller.id and not caller.is_admin):
        raise NotFoundError(f"conversation {conversation_id} not found")
    await conversation(database, name, conversation_id, settings).clear_session()


def conversation(
    database: MongoDatabase, name: str, conversation_id: str, settings: Settings
) -> MongoDBSession:
    """The SDK's MongoDB memory of one conversation; runs see its last items only."""
    return MongoDBSession(
        f"{name}:{conversation_id}",
        client=database.client,
        database=database.name,
        sessions_collection=CONVERSATIONS,
        messages_collection=MESSAGES,
        session_settings=SessionSettings(limit=settings.agent_history_items),
    )


def _shown(event: StreamEvent) -> AgentDelta | AgentToolCall | None:
    """The SDK events a client sees: text as it is written, and which tools are called."""
    if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
        return AgentDelta(text=event.data.delta)
    if event.type == "run_item_stream_event" and event.item.type == "tool_call_item":
        tool = getattr(event.item.raw_item, "name", None)
        return AgentToolCall(tool=tool if isinstance(tool, str) else "tool")
    return None


def _domain_error(error: Exception, settings: Settings) -> DomainError | None:
    """The domain error for an SDK or provider failure; None for anything else (a bug)."""
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
