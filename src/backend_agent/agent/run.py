"""One `ask` run: lock, record, verify before, let the agent work, verify with our own code.

The model's account of its work is never the verdict. Before the agent starts, the run
verifies the project as it is (the tests that pass then must pass after); after the agent
stops, it verifies again itself; a failure goes back to the agent (while turns remain).
The run holds the project's lock throughout, so no other command changes the project
under it, and records one history entry (`write.history`) so one `backend-agent undo`
reverts the whole run and refuses to overwrite files edited after it. A dry run works on a
scratch copy.
"""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

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
)
from agents.items import RunItem, ToolCallItem, TResponseInputItem

from backend_agent.agent.context import AskContext, Verifier
from backend_agent.agent.engineer import build_agent
from backend_agent.agent.files import Workspace, is_hidden_from_agent
from backend_agent.agent.limits import (
    DEFAULT_MAX_TURNS,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_VERIFY_ROUNDS,
)
from backend_agent.agent.snapshot import changes_between, files_on_disk, scratch_copy
from backend_agent.agent.tools import verification_text
from backend_agent.agent.verdict import AskResult, compare_tests
from backend_agent.blueprint import load_blueprint
from backend_agent.errors import BackendAgentError, UsageError
from backend_agent.verify import StepProgress, VerifyResult, verify
from backend_agent.write import history, project_lock


class RunProgress(Protocol):
    """Hears what a run is doing, to show it while it happens."""

    def line(self, text: str) -> None:
        """One step: a tool call, a verification's verdict."""

    def verification(self) -> StepProgress | None:
        """A verification starts; returns who hears its steps (None: nobody)."""


class _Quiet:
    def line(self, text: str) -> None:
        pass

    def verification(self) -> StepProgress | None:
        return None


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
    progress: RunProgress | None = None,
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
        progress: Hears each step while the run goes on.

    Raises:
        UsageError: the request is empty or `max_turns` is below 1.
        ProjectError: `project` is not a backend-agent project.
        ProjectBusyError: another command is changing the project.
    """
    if not request.strip():
        raise UsageError("the request is empty: say what to build, e.g. 'add a users resource'")
    if max_turns < 1:
        raise UsageError("--max-turns must be at least 1")
    root = project.resolve()
    load_blueprint(root)
    listener = progress or _Quiet()
    check = verifier or _verifier(database_url, listener)
    label = _command_label(request)
    result = AskResult(request, root, dry_run)
    with ExitStack() as stack:
        workdir = _claim(stack, root, label, dry_run=dry_run)
        blueprint = load_blueprint(workdir).blueprint
        before = files_on_disk(workdir)
        entry = None if dry_run else history.save(root, before, label)
        context = AskContext(Workspace(workdir), check)
        try:
            agent = build_agent(model, blueprint)
            asyncio.run(_drive(agent, context, result, max_turns, time_limit, listener))
        finally:
            with context.lock:
                result.changes = changes_between(before, files_on_disk(workdir))
                result.verify_runs = context.verify_runs
                if entry is not None:
                    changed = {change.path for change in result.changes} | {
                        path for path in context.touched() if _in_scope(path)
                    }
                    result.undo_entry = history.settle(root, entry, changed, label)
    return result


def _claim(stack: ExitStack, root: Path, label: str, *, dry_run: bool) -> Path:
    """The folder the run works in: the project, locked until `stack` closes; or, for a
    dry run, a scratch copy taken under the lock (nobody writes while it is copied)."""
    if not dry_run:
        stack.enter_context(project_lock(root, label))
        history.recover(root)
        return root
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ask-")))
    with project_lock(root, label):
        history.recover(root)
        return scratch_copy(root, scratch / root.name)


def _command_label(request: str) -> str:
    """How a run is named in history and in the lock: `ask 'first words...'`."""
    words = " ".join(request.split())
    shown = words if len(words) <= 60 else words[:57] + "..."
    return f"ask {shown!r}"


def _verifier(database_url: str | None, listener: RunProgress) -> Verifier:
    def run(root: Path) -> VerifyResult:
        return verify(root, database_url=database_url, progress=listener.verification())

    return run


async def _drive(
    agent: Agent[AskContext],
    context: AskContext,
    result: AskResult,
    max_turns: int,
    time_limit: float,
    listener: RunProgress,
) -> None:
    """Verify before, then run rounds of agent work and our verification until it passes."""
    hooks = _ProgressHooks(listener)
    config = RunConfig(
        tracing_disabled=True,
        workflow_name="backend-agent ask",
        # A made-up tool (a "shell", say) is a mistake the model can recover from.
        tool_not_found_behavior="return_error_to_model",
    )
    conversation: str | list[TResponseInputItem] = result.request
    try:
        async with asyncio.timeout(time_limit):
            listener.line("verifying the project as it is, before any change")
            result.baseline = await _verify(context, listener)
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
                result.claim = str(run.final_output or "")
                listener.line("verifying the result")
                result.verification = await _verify(context, listener)
                _judge_tests(result, context)
                if result.checks_passed:
                    return
                if result.turns >= max_turns or round_number == MAX_VERIFY_ROUNDS:
                    break
                listener.line("not verified: handing it back to the agent")
                conversation = [*run.to_input_list(), _not_yet(result)]
    except TimeoutError:
        result.error = f"the time limit ({time_limit:.0f} s) ran out before the work was verified"
    except BackendAgentError as error:
        result.error = str(error)
    except AgentsException as error:
        _absorb_failed_round(result, error, 0)
        result.error = f"the model call failed: {type(error).__name__}: {_first_line(error)}"
    except openai.OpenAIError as error:
        result.error = f"the model call failed: {type(error).__name__}: {_first_line(error)}"
    finally:
        await _close_model(agent)


async def _close_model(agent: Agent[AskContext]) -> None:
    """Close the model's connections inside the loop that opened them."""
    if isinstance(agent.model, Model):
        await agent.model.close()


async def _verify(context: AskContext, listener: RunProgress) -> VerifyResult:
    outcome = await asyncio.to_thread(context.verify)
    failed = [step.name for step in outcome.steps if not step.ok]
    listener.line(f"verification {'FAILED: ' + ', '.join(failed) if failed else 'passed'}")
    return outcome


def _judge_tests(result: AskResult, context: AskContext) -> None:
    before = result.baseline.tests if result.baseline else None
    after = result.verification.tests if result.verification else None
    if before is not None and after is not None:
        result.tests = compare_tests(before, after, context.operation_paths)


def _not_yet(result: AskResult) -> TResponseInputItem:
    """What goes back to the agent when our verification did not pass."""
    assert result.verification is not None  # set before every judgement
    lines = ["backend-agent verified the project after you stopped, and it does not pass yet:"]
    if not result.verification.ok:
        lines.append(verification_text(result.verification))
    if result.tests is not None and result.tests.lost:
        lost = ", ".join(f"{test} ({now})" for test, now in result.tests.lost.items())
        lines.append(f"Tests that passed before your change no longer pass: {lost}.")
    lines.append("\nFix the cause in the code (not the tests), call verify, then summarise.")
    return {"role": "user", "content": "\n".join(lines)}


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


def _in_scope(path: str) -> bool:
    return not is_hidden_from_agent(PurePosixPath(path))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "no message"


class _ProgressHooks(RunHooks[AskContext]):
    """Reports each tool call as it starts, so a long run is not silent."""

    def __init__(self, listener: RunProgress) -> None:
        self._listener = listener

    async def on_tool_start(
        self, context: RunContextWrapper[AskContext], agent: Agent[AskContext], tool: Tool
    ) -> None:
        self._listener.line(f"tool: {tool.name}")
