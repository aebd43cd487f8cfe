"""`backend-agent ask`: argument handling and printing around `session.run_ask`.

The CLI imports this module at start-up, so it must stay cheap: the Agents SDK (about 3 s
to import) is only loaded once a request is actually run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from backend_agent.agent.limits import DEFAULT_MAX_TURNS
from backend_agent.agent.models import build_model, configuration_problem
from backend_agent.agent.suggest import suggest_commands
from backend_agent.errors import UsageError
from backend_agent.report import print_diff, print_verification

if TYPE_CHECKING:
    from backend_agent.agent.session import AskResult

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
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Change the project without asking first.")
    ] = False,
    show_diff: Annotated[
        bool, typer.Option("--diff", help="Print the full diff, not only the changed files.")
    ] = False,
) -> None:
    """Ask the agent to change the project; it succeeds only when `verify` passes.

    It prefers the generator's operations, writes code by hand only for business logic,
    never weakens tests, and verifies before it reports. Undo a run with `backend-agent undo`.
    """
    if problem := configuration_problem(model):
        raise UsageError(f"{problem}; {suggest_commands(request)}")
    if not dry_run and not yes:
        _confirm(project)
    from backend_agent.agent.session import run_ask

    result = run_ask(
        request,
        project,
        model=build_model(model),
        dry_run=dry_run,
        max_turns=max_turns,
        progress=lambda line: err_console.print(f"[dim]{line}[/]", highlight=False),
    )
    _report(result, show_diff=show_diff)
    if not result.ok:
        raise typer.Exit(1)


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
    if result.summary:
        console.rule("agent")
        console.print(result.summary, markup=False, highlight=False)
    console.rule("changes" + (" (dry run: nothing written)" if result.dry_run else ""))
    _print_changes(result, show_diff=show_diff)
    if result.verification is not None:
        print_verification(console, result.verification)
    usage = result.usage
    console.print(
        f"model: {result.turns} turns, {usage.requests} requests, {usage.input_tokens} input + "
        f"{usage.output_tokens} output = {usage.total_tokens} tokens; "
        f"{result.tool_argument_bytes} bytes of tool arguments -> "
        f"{result.code_bytes} bytes of code",
        highlight=False,
    )
    if result.ok:
        undo = "" if result.undo_entry is None else "; undo with backend-agent undo"
        console.print(f"[green]verified[/]: every check passed{undo}", highlight=False)
        return
    reason = result.error or "the final verification failed"
    kept = " (changes kept; undo with backend-agent undo)" if result.undo_entry else ""
    err_console.print(f"[bold red]not verified:[/] {reason}{kept}", highlight=False)


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
