"""`backend-agent ask`: argument handling and printing around `run.run_ask`.

The CLI imports this module at start-up, so it must stay cheap: the Agents SDK (about 3 s
to import) is only loaded once a request is actually run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from backend_agent.agent.limits import (
    DEFAULT_CALL_TIMEOUT_SECONDS,
    DEFAULT_MAX_TURNS,
    DEFAULT_TIMEOUT_SECONDS,
)
from backend_agent.agent.models import build_model, configuration_problem
from backend_agent.agent.suggest import suggest_commands
from backend_agent.agent.verdict import Verdict
from backend_agent.errors import UsageError
from backend_agent.report import LiveStatus, LiveSteps, live, print_diff, print_verification

if TYPE_CHECKING:
    from backend_agent.agent.verdict import AskResult

console = Console(emoji=False, soft_wrap=True)
err_console = Console(stderr=True, emoji=False, soft_wrap=True)


def ask(
    request: Annotated[
        str, typer.Argument(help="What to build, in plain words (quote it).", show_default=False)
    ],
    project: Annotated[
        Path, typer.Option("--project", "-p", help="The project's root (where backend.toml is).")
    ] = Path(),
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model name; `litellm/<provider>/<model>` for other providers "
            "(default: $BACKEND_AGENT_MODEL, else OpenAI's default).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Work on a scratch copy and show the diff; change nothing."),
    ] = False,
    max_turns: Annotated[
        int, typer.Option("--max-turns", min=1, help="Most model calls the run may make.")
    ] = DEFAULT_MAX_TURNS,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Seconds the whole run may take, checks included."),
    ] = DEFAULT_TIMEOUT_SECONDS,
    call_timeout: Annotated[
        float,
        typer.Option(
            "--call-timeout",
            min=1,
            help="Seconds one model call may stay silent (it is retried once, then the run stops).",
        ),
    ] = DEFAULT_CALL_TIMEOUT_SECONDS,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Verify on this PostgreSQL database instead of a throwaway server.",
            envvar="BACKEND_AGENT_DATABASE_URL",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Change the project without asking first.")
    ] = False,
    show_diff: Annotated[
        bool, typer.Option("--diff", help="Print the full diff, not only the changed files.")
    ] = False,
) -> None:
    """Ask the agent to change the project; it succeeds only when our own checks pass.

    It prefers the generator's operations, writes code by hand only for business logic, may
    not change how the checks run or weaken tests, and is judged by our verification, not by
    its own account. Exit codes: 0 verified, 1 not verified, 2 usage error, 3 nothing
    changed. Undo a run with `backend-agent undo`.
    """
    if problem := configuration_problem(model):
        raise UsageError(f"{problem}; {suggest_commands(request)}")
    if not dry_run and not yes:
        _confirm(project)
    chosen = build_model(model, call_timeout=call_timeout)
    from backend_agent.agent.run import run_ask

    display = AskDisplay(err_console, chosen)
    with live(err_console, display.status) as shown:
        display.live_console = shown
        result = run_ask(
            request,
            project,
            model=chosen,
            dry_run=dry_run,
            max_turns=max_turns,
            time_limit=timeout,
            database_url=database_url,
            progress=display,
        )
    _report(result, show_diff=show_diff)
    if result.verdict.exit_code:
        raise typer.Exit(result.verdict.exit_code)


class AskDisplay:
    """What `ask` shows while it runs: a line per step and, on a terminal, a live status.

    The status line says what the run waits on (the model: for how long, which turn, how
    many tokens so far) and, during a verification, each step with its elapsed time.
    """

    def __init__(self, console: Console, model: object) -> None:
        self.console = console
        self.model = model
        self.live_console: Console | None = None
        self.status = LiveStatus(self._waiting)

    def line(self, text: str) -> None:
        if text.startswith("verification "):
            self.status.steps = None
        (self.live_console or self.console).print(f"[dim]{text}[/]", highlight=False)

    def verification(self) -> LiveSteps | None:
        if self.live_console is None:
            return None
        self.status.steps = LiveSteps()
        return self.status.steps

    def _waiting(self) -> str | None:
        status = getattr(self.model, "status", None)
        if status is None:
            return None
        now = status()
        if now.waiting_seconds is None:
            return None
        return (
            f"waiting on {self.model_server()}: turn {now.turn}, {now.waiting_seconds:.0f} s, "
            f"{now.tokens:,} tokens so far"
        )

    def model_server(self) -> str:
        return str(getattr(self.model, "server", "the model"))


def _confirm(project: Path) -> None:
    """Ask before an agent changes files, unless the caller said --yes."""
    if not sys.stdin.isatty():
        raise UsageError(
            "ask changes the project's files: pass --yes to allow it, or --dry-run to preview"
        )
    if not typer.confirm(
        f"The agent will change files in {project.resolve()} (undo with backend-agent undo). "
        "Go on?",
        default=True,
    ):
        raise typer.Exit(1)


def _report(result: AskResult, *, show_diff: bool) -> None:
    if result.claim:
        console.rule("the agent's account (its own words, not our verdict)")
        console.print(result.claim, markup=False, highlight=False)
    console.rule("changes" + (" (dry run: nothing written)" if result.dry_run else ""))
    _print_changes(result, show_diff=show_diff)
    _print_tests(result)
    if result.verification is not None:
        print_verification(console, result.verification)
    usage = result.usage
    console.print(
        f"model: {result.turns} turns, {usage.requests} requests, {usage.input_tokens} input + "
        f"{usage.output_tokens} output = {usage.total_tokens} tokens; "
        f"{result.tool_argument_bytes} bytes of tool arguments -> "
        f"{result.added_bytes} bytes of code added or changed",
        highlight=False,
    )
    verdict = result.verdict
    if verdict is Verdict.VERIFIED:
        undo = "" if result.undo_entry is None else "; undo with backend-agent undo"
        console.print(f"[green]verified[/]: every check passed{undo}", highlight=False)
    elif verdict is Verdict.NOTHING_CHANGED:
        err_console.print(
            "[bold yellow]nothing changed:[/] the agent made no change to the project, so the "
            "request was not carried out",
            highlight=False,
        )
    else:
        kept = (
            " (changes kept; undo with backend-agent undo)"
            if result.undo_entry
            else " (project unchanged)"
        )
        err_console.print(f"[bold red]not verified:[/] {_reason(result)}{kept}", highlight=False)


def _reason(result: AskResult) -> str:
    if result.error is not None:
        return result.error
    if result.tests is not None and result.tests.lost:
        lost = ", ".join(f"{test} ({now})" for test, now in result.tests.lost.items())
        return f"tests that passed before the run no longer pass: {lost}"
    return "the final verification failed (see the table)"


def _print_tests(result: AskResult) -> None:
    tests = result.tests
    if tests is None:
        return
    parts = [f"{len(tests.added)} added"]
    if tests.removed:
        parts.append(f"{len(tests.removed)} removed by operations")
    if tests.lost:
        parts.append(f"[red]{len(tests.lost)} that passed before no longer pass[/]")
    console.print(f"tests: {', '.join(parts)}", highlight=False)
    for test in tests.added:
        console.print(f"  + {test}", highlight=False)
    for test, operation in tests.removed.items():
        console.print(f"  - {test} (removed by `{operation}`)", highlight=False)
    for test, now in tests.lost.items():
        console.print(f"  [red]! {test} ({now})[/]", highlight=False)


def _print_changes(result: AskResult, *, show_diff: bool) -> None:
    if not result.changes:
        console.print("no files changed")
        return
    added = removed = 0
    for change in result.changes:
        plus, minus = change.counts()
        added, removed = added + plus, removed + minus
        console.print(
            f" {change.status} {change.path}  [green]+{plus}[/] [red]-{minus}[/]", highlight=False
        )
    console.print(
        f" {len(result.changes)} files changed, {added} insertions(+), {removed} deletions(-)",
        highlight=False,
    )
    if show_diff:
        text = "".join(change.diff() for change in result.changes)
        print_diff(console, text)
