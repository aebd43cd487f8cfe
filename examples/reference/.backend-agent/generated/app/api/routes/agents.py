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
from app.core.errors import DomainError
from app.models.agents import CONVERSATION_ID_PATTERN, AgentAnswer, AgentError
from app.services import agents as service
from app.services.agents import AgentDeps, AgentRun

router = APIRouter(prefix="/agents", tags=["agents"])

ConversationIdPath = Annotated[str, Path(pattern=CONVERSATION_ID_PATTERN)]
RUN_ERRORS = errors(400, 413, 502, 503, 504)
"""Besides 422: invalid input, a guardrail's refusal, or a run over its turns."""


async def get_assistant_agent() -> Agent[AgentDeps]:
    """The assistant agent (a test swaps in a variant through this dependency)."""
    return assistant_agent


AssistantAgentDep = Annotated[Agent[AgentDeps], Depends(get_assistant_agent)]


@router.post("/assistant/runs", responses=RUN_ERRORS)
async def run_assistant(
    agent: AssistantAgentDep,
    body: AgentRunDep,
    session: SessionDep,
    database: MongoDep,
    model: AgentModelDep,
    settings: SettingsDep,
) -> AgentAnswer:
    """Ask the assistant agent; send `conversation_id` back to continue the conversation."""
    run = AgentRun(agent, body, model, settings)
    return await service.run_agent(run, session=session, database=database)


@router.post("/assistant/runs/stream", response_class=EventSourceResponse, responses=RUN_ERRORS)
async def stream_assistant(
    agent: AssistantAgentDep,
    body: AgentRunDep,
    session: StreamSessionDep,
    database: MongoDep,
    model: AgentModelDep,
    settings: SettingsDep,
) -> AsyncIterator[ServerSentEvent]:
    """Ask the assistant agent and receive its answer as it is written: `delta` and
    `tool_call` events, then one `answer` (or one `error`, with the status a plain run
    would have answered)."""
    run = AgentRun(agent, body, model, settings)
    try:
        async for event in service.stream_agent(run, session=session, database=database):
            yield ServerSentEvent(data=event, event=event.event)
    except DomainError as error:
        failure = AgentError(status=error_status(error), detail=error.message)
        yield ServerSentEvent(data=failure, event=failure.event)


@router.delete(
    "/assistant/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(503),
)
async def delete_assistant_conversation(
    conversation_id: ConversationIdPath, database: MongoDep, settings: SettingsDep
) -> None:
    """Forget a conversation of the assistant agent (idempotent)."""
    await service.delete_conversation(database, "assistant", conversation_id, settings)
