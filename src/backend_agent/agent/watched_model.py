"""A model whose calls are watched: timed and counted for the status line, failures in one line.

A model server is outside our control: it may answer HTML from a proxy, a 200 that is not
JSON, a completion without choices, or drop the connection. Whatever it does, the run ends
with one line naming the server and what it answered, never a traceback from deep inside
the client. This is the one place that catches every exception, because it is the boundary
with that server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import openai
from agents import AgentOutputSchemaBase, Handoff, Model, ModelResponse, ModelSettings, Tool
from agents.exceptions import ModelBehaviorError
from agents.items import TResponseInputItem, TResponseStreamEvent
from agents.models.interface import ModelTracing
from openai.types.responses.response_prompt_param import ResponsePromptParam

from backend_agent.errors import ModelServerError

SNIPPET_CHARS = 120


@dataclass
class LastAnswer:
    """What the server last sent back at the HTTP level, kept to explain a failure."""

    status: int | None = None
    content_type: str = ""
    body: str = ""

    def describe(self) -> str:
        if self.status is None:
            return "nothing"
        shown = " ".join(self.body.split())
        if len(shown) > SNIPPET_CHARS:
            shown = shown[: SNIPPET_CHARS - 3] + "..."
        kind = self.content_type.split(";")[0] or "no content type"
        return f"HTTP {self.status} ({kind}): {shown!r}" if shown else f"HTTP {self.status}, empty"


@dataclass
class CallStatus:
    """The model side of a run so far, for the live status line."""

    turn: int
    """Model calls started."""
    waiting_seconds: float | None
    """How long the current call has been waiting (None: no call in flight)."""
    tokens: int
    """Tokens used by the calls completed so far."""


class WatchedModel(Model):
    """Wraps the model a run uses; the SDK sees an ordinary `Model`."""

    def __init__(
        self,
        model: Model,
        *,
        server: str,
        last_answer: LastAnswer | None = None,
        call_timeout: float | None = None,
    ) -> None:
        self.model = model
        self.server = server
        """Names the server in messages, e.g. "the model server at http://127.0.0.1:11434/v1"."""
        self.last_answer = last_answer
        self.call_timeout = call_timeout
        self._turn = 0
        self._tokens = 0
        self._started: float | None = None

    def status(self) -> CallStatus:
        started = self._started
        waiting = None if started is None else time.monotonic() - started
        return CallStatus(self._turn, waiting, self._tokens)

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        self._turn += 1
        self._started = time.monotonic()
        try:
            response = await self.model.get_response(
                system_instructions,
                input,
                model_settings,
                tools,
                output_schema,
                handoffs,
                tracing,
                previous_response_id=previous_response_id,
                conversation_id=conversation_id,
                prompt=prompt,
            )
        except Exception as error:
            raise self.failure(error) from error
        finally:
            self._started = None
        self._tokens += response.usage.total_tokens
        if not response.output:
            raise ModelServerError(f"{self.server} answered an empty completion (no message)")
        return response

    def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        raise NotImplementedError("ask calls the model without streaming")

    async def close(self) -> None:
        await self.model.close()

    def failure(self, error: Exception) -> ModelServerError:
        """One line: the server, and what it answered (or did not)."""
        answered = self.last_answer.describe() if self.last_answer else None
        if isinstance(error, openai.APITimeoutError):
            timeout = f" in {self.call_timeout:.0f} s" if self.call_timeout else ""
            reason = f"did not answer{timeout} (raise --call-timeout for a slow model)"
        elif isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            reason = f"closed or refused the connection ({_first_line(cause)})"
        elif isinstance(error, openai.APIStatusError):
            reason = f"answered HTTP {error.status_code}: {_first_line(error)}"
        elif isinstance(error, ModelBehaviorError) or answered is None:
            reason = f"answered something that is not a usable completion ({_first_line(error)})"
        else:
            reason = f"answered {answered}, which is not a chat completion"
        return ModelServerError(f"{self.server} {reason}")


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    line = text.splitlines()[0]
    return line if len(line) <= SNIPPET_CHARS else line[: SNIPPET_CHARS - 3] + "..."
