"""One `ask` run: snapshot, let the agent work, verify with our own code, report.

The model's account of its work is never the verdict. After the agent stops, the session
verifies the project itself; a failure goes back to the agent (while turns remain) and the
run succeeds only when that final verification passed. The project is snapshotted first so
one `backend-agent undo` reverts the whole run, and a dry run works on a scratch copy.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import openai
from agents import (
    Agent,
    AgentsException,
    MaxTurnsExceeded,
    Model,
    RunConfig,
    RunContextWrapper,
    RunHooks,
    Runner,
    Tool,
    Usage,
)
from agents.items import RunItem, ToolCallItem, TResponseInputItem

from backend_agent.agent.context import AskContext, Verifier
from backend_agent.agent.engineer import build_agent
from backend_agent.agent.files import Workspace, mentions_tests
from backend_agent.agent.limits import (
    DEFAULT_MAX_TURNS,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_VERIFY_ROUNDS,
)
from backend_agent.agent.snapshot import (
    FileDiff,
    Snapshot,
    changes_between,
    project_files,
    scratch_copy,
)
from backend_agent.agent.tools import verification_text
from backend_agent.blueprint import load_blueprint
from backend_agent.errors import UsageError
from backend_agent.verify import VerifyResult
from backend_agent.verify import verify as verify_project

Progress = Callable[[str], None]
"""Receives one line per step (a tool call, a verification) while the run goes on."""


@dataclass
class TokenUsage:
    """Tokens the model spent over the whole run (all rounds)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, usage: Usage) -> None:
        """Add the SDK's `Usage` of one round."""
        self.requests += usage.requests
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.total_tokens += usage.total_tokens


@dataclass
class AskResult:
    """What one `ask` run did, and whether it is proven."""

    request: str
    project: Path
    dry_run: bool
    verification: VerifyResult | None = None
    """The final verification, run by us after the agent stopped (None: not reached)."""
    error: str | None = None
    """Why the run stopped short (turn budget, time limit, model failure), if it did."""
    summary: str = ""
    """The model's closing words: its own account, not the verdict."""
    changes: list[FileDiff] = field(default_factory=list)
    """Every file created, changed or deleted (in a dry run: what would be)."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    turns: int = 0
    """Model calls made."""
    tool_argument_bytes: int = 0
    """Bytes of tool-call arguments the model produced: its share of the work."""
    verify_runs: int = 0
    """Verifications actually run (unchanged trees reuse a result)."""
    undo_entry: Path | None = None
    """The history entry `backend-agent undo` restores (None: dry run or nothing changed)."""

    @property
    def ok(self) -> bool:
        """Success means the final verification, run by our code, passed."""
        return self.error is None and self.verification is not None and self.verification.ok

    @property
    def code_bytes(self) -> int:
        """Bytes of the files the run created or changed: what landed in the project."""
        return sum(len(change.after) for change in self.changes if change.after is not None)


def run_ask(
    request: str,
    project: Path,
    *,
    model: Model,
    dry_run: bool = False,
    max_turns: int = DEFAULT_MAX_TURNS,
    time_limit: float = DEFAULT_TIMEOUT_SECONDS,
    database_url: str | None = None,
    verifier: Verifier | None = None,
    progress: Progress | None = None,
) -> AskResult:
    """Run the agent on `project` until its work verifies or a limit is reached.

    Runs its own event loop (call it from synchronous code).

    Args:
        request: What the user wants, in their words.
        project: Root of an existing backend-agent project.
        model: The SDK model to drive (`build_model`, or a scripted one in tests).
        dry_run: Work on a scratch copy; the project is not touched.
        max_turns: Model calls allowed across the whole run.
        time_limit: Wall-clock seconds allowed for the whole run.
        database_url: PostgreSQL database for verification (default: a throwaway server).
        verifier: Replaces verification entirely (tests); overrides `database_url`.
        progress: Called with one line per tool call and verification.

    Raises:
        UsageError: the request is empty or `max_turns` is below 1.
        ProjectError: `project` is not a backend-agent project.
    """
    if not request.strip():
        raise UsageError("the request is empty: say what to build, e.g. 'add a users resource'")
    if max_turns < 1:
        raise UsageError("--max-turns must be at least 1")
    root = project.resolve()
    load_blueprint(root)
    verifier = verifier or partial(verify_project, database_url=database_url)
    result = AskResult(request, root, dry_run)
    with ExitStack() as stack:
        snapshot: Snapshot | None = None
        if dry_run:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ask-")))
            workdir = scratch_copy(root, scratch / root.name)
            before = project_files(workdir)
        else:
            workdir = root
            snapshot = Snapshot.take(root, command=_command_label(request))
            before = snapshot.files
        context = AskContext(
            Workspace(workdir, allow_test_edits=mentions_tests(request)), verifier, request
        )
        try:
            asyncio.run(
                _drive(build_agent(model), context, result, max_turns, time_limit, progress)
            )
        finally:
            with context.lock:
                result.changes = changes_between(before, project_files(workdir))
                result.verify_runs = context.verify_runs
                if snapshot is not None:
                    result.undo_entry = snapshot.finish(
                        command=_command_label(request), touched=context.touched()
                    )
    return result


async def _drive(
    agent: Agent[AskContext],
    context: AskContext,
    result: AskResult,
    max_turns: int,
    time_limit: float,
    progress: Progress | None,
) -> None:
    """Run rounds of agent work and our verification until it passes or a limit hits."""
    report = progress or (lambda _line: None)
    hooks = _ProgressHooks(report)
    config = RunConfig(
        tracing_disabled=True,
        workflow_name="backend-agent ask",
        # A made-up tool (a "shell", say) is a mistake the model can recover from.
        tool_not_found_behavior="return_error_to_model",
    )
    conversation: str | list[TResponseInputItem] = result.request
    try:
        async with asyncio.timeout(time_limit):
            for round_number in range(1, MAX_VERIFY_ROUNDS + 1):
                turns_left = max_turns - result.turns
                try:
                    run = await Runner.run(
                        agent,
                        conversation,
                        context=context,
                        max_turns=turns_left,
                        hooks=hooks,
                        run_config=config,
                    )
                except MaxTurnsExceeded as error:
                    _absorb_failed_round(result, error, turns_left)
                    result.error = (
                        f"the turn budget ({max_turns} model calls) ran out before the work "
                        "was verified; raise --max-turns or narrow the request"
                    )
                    return
                _absorb(result, run.new_items, run.context_wrapper, len(run.raw_responses))
                result.summary = str(run.final_output or "")
                report("verifying the result")
                result.verification = await asyncio.to_thread(context.verify)
                if result.verification.ok:
                    return
                if result.turns >= max_turns or round_number == MAX_VERIFY_ROUNDS:
                    break
                report("verification failed: handing it back to the agent")
                conversation = [*run.to_input_list(), _failed_verification(result.verification)]
            result.error = "the final verification failed (see the table)"
    except TimeoutError:
        result.error = f"the time limit ({time_limit:.0f} s) ran out before the work was verified"
    except (AgentsException, openai.OpenAIError) as error:
        result.error = f"the model call failed: {type(error).__name__}: {_first_line(error)}"


def _absorb(
    result: AskResult, items: list[RunItem], wrapper: RunContextWrapper[Any], turns: int
) -> None:
    result.usage.add(wrapper.usage)
    result.turns += turns
    result.tool_argument_bytes += sum(
        len(_arguments(item).encode("utf-8")) for item in items if isinstance(item, ToolCallItem)
    )


def _arguments(item: ToolCallItem) -> str:
    """The raw arguments text of a tool call, whichever form the model's item takes."""
    raw = item.raw_item
    value = raw.get("arguments", "") if isinstance(raw, dict) else getattr(raw, "arguments", "")
    return value if isinstance(value, str) else ""


def _absorb_failed_round(result: AskResult, error: AgentsException, turns_left: int) -> None:
    details = error.run_data
    if details is None:
        result.turns += turns_left
        return
    _absorb(result, details.new_items, details.context_wrapper, len(details.raw_responses))


def _failed_verification(verification: VerifyResult) -> TResponseInputItem:
    return {
        "role": "user",
        "content": (
            "backend-agent verified the project after you stopped, and it does not pass yet:\n"
            f"{verification_text(verification)}\n\n"
            "Fix the cause (not the tests), call verify, then summarise."
        ),
    }


def _command_label(request: str) -> str:
    words = " ".join(request.split())
    shown = words if len(words) <= 60 else words[:57] + "..."
    return f"ask {shown!r}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "no message"


class _ProgressHooks(RunHooks[AskContext]):
    """Reports each tool call as it starts, so a long run is not silent."""

    def __init__(self, report: Progress) -> None:
        self._report = report

    async def on_tool_start(
        self, context: RunContextWrapper[AskContext], agent: Agent[AskContext], tool: Tool
    ) -> None:
        self._report(f"tool: {tool.name}")
