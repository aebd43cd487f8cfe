"""The command line: argument parsing and printing only; the work happens in `operations`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from backend_agent import __version__
from backend_agent.errors import BackendAgentError

app = typer.Typer(
    name="backend-agent",
    help="Generate, evolve and audit FastAPI + SQLModel/PostgreSQL + MongoDB backends.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"backend-agent {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate, evolve and audit FastAPI + SQLModel/PostgreSQL + MongoDB backends."""


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except BackendAgentError as error:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {error}", highlight=False)
        sys.exit(error.exit_code)
