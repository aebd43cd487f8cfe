"""HTTP routes of the agents: a run answered as JSON, a run streamed as server-sent events,
and forgetting a conversation.

Thin: validate input, call the agent service, shape the response.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from agents import Agent
from fastapi import APIRouter, Depends, Path, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from app.agents.assistant import agent as assistant_agent
from app.api.deps import (
    AgentModelDep,
    AgentRunDep,
    MongoDep,
    SessionDep,
    SettingsDep,
    StreamSessionDep,
)
from app.api.errors import error_status
from app.api.responses import errors
from app.api.security import CallerDep, limit_agent_runs
from app.core.errors import DomainError
from app.models.agents import CONVERSATION_ID_PATTERN, AgentAnswer, AgentError
from app.services import agents as service
from app.services.agents import AgentDeps, AgentRun

router = APIRouter(prefix="/agents", tags=["agents"])

ConversationIdPath = Annotated[str, Path(pattern=CONVERSATION_ID_PATTERN)]
RUN_ERRORS = errors(400, 401, 404, 413, 429, 502, 503, 504)
"""Besides 422 (invalid input, a guardrail's refusal, a run over its turns): no token, another
account's conversation, too many runs."""


async def get_conversation(body: AgentRunDep, caller: CallerDep, database: MongoDep) -> str:
    """The run's conversation, the caller's own: checked before a run (or a stream) starts."""
    return await service.claim_conversation(database, body.conversation_id, caller)


ConversationDep = Annotated[str, Depends(get_conversation)]


async def get_assistant_agent() -> Agent[AgentDeps]:
    """The assistant agent (a test swaps in a variant through this dependency)."""
    return assistant_agent


AssistantAgentDep = Annotated[Agent[AgentDeps], Depends(get_assistant_agent)]


@router.post("/assistant/runs", responses=RUN_ERRORS, dependencies=[Depends(limit_agent_runs)])
async def run_assistant(
    agent: AssistantAgentDep,
    body: AgentRunDep,
    session: SessionDep,
    database: MongoDep,
    model: AgentModelDep,
    settings: SettingsDep,
    caller: CallerDep,
    conversation_id: ConversationDep,
) -> AgentAnswer:
    """Ask the assistant agent; send `conversation_id` back to continue the conversation."""
    run = AgentRun(agent, body, model, settings, caller, conversation_id)
    return await service.run_agent(run, session=session, database=database)


@router.post(
    "/assistant/runs/stream",
    response_class=EventSourceResponse,
    responses=RUN_ERRORS,
    dependencies=[Depends(limit_agent_runs)],
)
async def stream_assistant(
    agent: AssistantAgentDep,
    body: AgentRunDep,
    session: StreamSessionDep,
    database: MongoDep,
    model: AgentModelDep,
    settings: SettingsDep,
    caller: CallerDep,
    conversation_id: ConversationDep,
) -> AsyncIterator[ServerSentEvent]:
    """Ask the assistant agent and receive its answer as it is written: `delta` and
    `tool_call` events, then one `answer` (or one `error`, with the status a plain run
    would have answered)."""
    run = AgentRun(agent, body, model, settings, caller, conversation_id)
    try:
        async for event in service.stream_agent(run, session=session, database=database):
            yield ServerSentEvent(data=event, event=event.event)
    except DomainError as error:
        failure = AgentError(status=error_status(error), detail=error.message)
        yield ServerSentEvent(data=failure, event=failure.event)


@router.delete(
    "/assistant/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 503),
)
async def delete_assistant_conversation(
    conversation_id: ConversationIdPath,
    database: MongoDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> None:
    """Forget what a conversation of yours with the assistant agent said (idempotent)."""
    await service.delete_conversation(database, "assistant", conversation_id, settings, caller)
