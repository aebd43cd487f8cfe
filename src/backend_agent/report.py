"""Printing shared by the commands: the verification table and unified diffs."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from backend_agent.verify import VerifyResult


def print_verification(console: Console, result: VerifyResult, *, title: str = "verify") -> None:
    """One row per step, then the output of each failed step."""
    table = Table(title=title)
    table.add_column("step")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    table.add_column("summary", overflow="fold")
    for step in result.steps:
        mark = "[green]pass[/]" if step.ok else "[red]FAIL[/]"
        table.add_row(step.name, mark, f"{step.seconds:.1f}", step.summary)
    console.print(table)
    for step in result.steps:
        if not step.ok and step.output:
            console.rule(f"[red]{step.name}")
            console.print(step.output, markup=False, highlight=False)


def print_diff(console: Console, diff: str) -> None:
    """Coloured on a terminal; plain text when piped, so it can be applied as a patch."""
    if console.is_terminal:
        console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    else:
        sys.stdout.write(diff)
