"""Schemas of the agent API: a run's input, its answer, and the events of a streamed run."""

from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

ConversationId = Annotated[
    str,
    Field(
        pattern=CONVERSATION_ID_PATTERN,
        description="Names a conversation; send it again to continue the conversation.",
    ),
]


class AgentRunRequest(BaseModel):
    """Input of POST /agents/{name}/runs and its streaming variant."""

    message: str = Field(min_length=1, max_length=8_000)
    conversation_id: ConversationId | None = None
    """Leave it out to start a conversation; the answer says which id it got."""


class AgentAnswer(BaseModel):
    """The agent's final answer; the last event of a stream."""

    event: ClassVar[str] = "answer"

    conversation_id: str
    answer: str
    turns: int
    """Model calls the run took."""


class AgentDelta(BaseModel):
    """A piece of the answer's text, as the model writes it."""

    event: ClassVar[str] = "delta"

    text: str


class AgentToolCall(BaseModel):
    """The agent called a tool (its arguments are not sent: they may hold personal data)."""

    event: ClassVar[str] = "tool_call"

    tool: str


class AgentError(BaseModel):
    """A stream that failed after it started: the status a plain run would have answered."""

    event: ClassVar[str] = "error"

    status: int
    detail: str


AgentEvent = AgentDelta | AgentToolCall | AgentAnswer
"""What a streamed run yields, in order: deltas and tool calls, then one answer."""
