"""`backend-agent ask`: argument handling and printing around `run.run_ask`.

The CLI imports this module at start-up, so it must stay cheap: the Agents SDK (about 3 s
to import) is only loaded once a request is actually run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backend_agent.agent.limits import (
    DEFAULT_CALL_TIMEOUT_SECONDS,
    DEFAULT_MAX_TURNS,
    DEFAULT_TIMEOUT_SECONDS,
)
from backend_agent.errors import UsageError

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
    # Imported here, not at the top: the CLI imports this module on every start.
    from backend_agent.agent.display import AskDisplay, report
    from backend_agent.agent.providers import build_model, configuration_problem
    from backend_agent.agent.run import run_ask
    from backend_agent.agent.suggest import suggest_commands
    from backend_agent.report import live

    if problem := configuration_problem(model):
        raise UsageError(f"{problem}; {suggest_commands(request)}")
    if not dry_run and not yes:
        _confirm(project)
    chosen = build_model(model, call_timeout=call_timeout)

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
    report(console, err_console, result, show_diff=show_diff)
    if result.verdict.exit_code:
        raise typer.Exit(result.verdict.exit_code)


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
