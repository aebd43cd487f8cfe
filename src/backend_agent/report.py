"""Printing shared by the commands: the verification table, live progress and unified diffs."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from backend_agent.verify import StepResult, VerifyResult

REFRESHES_PER_SECOND = 8


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


class LiveSteps:
    """Verification steps as they run: a spinner and the elapsed time for each running one.

    It is a `StepProgress` (steps report from several threads) and a Rich renderable that
    `Live` redraws several times a second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._done: list[StepResult] = []

    def started(self, name: str) -> None:
        with self._lock:
            self._running[name] = time.perf_counter()

    def finished(self, step: StepResult) -> None:
        with self._lock:
            self._running.pop(step.name, None)
            self._done.append(step)

    def __rich__(self) -> RenderableType:
        with self._lock:
            done, running = list(self._done), dict(self._running)
        table = Table.grid(padding=(0, 1))
        for step in done:
            mark = "[green]pass[/]" if step.ok else "[red]FAIL[/]"
            table.add_row(mark, step.name, f"{step.seconds:5.1f} s", Text(step.summary, "dim"))
        now = time.perf_counter()
        for name, started in running.items():
            table.add_row(Spinner("dots"), name, f"{now - started:5.1f} s", "")
        return table


class LiveStatus:
    """One line that says what a long command is waiting on, redrawn with its spinner."""

    def __init__(self, describe: Callable[[], str | None]) -> None:
        self._describe = describe
        self.steps: LiveSteps | None = None
        """The verification running now, if any, shown under the line."""

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = []
        if line := self._describe():
            parts.append(Spinner("dots", Text(line, "dim")))
        if self.steps is not None:
            parts.append(self.steps)
        return Group(*parts)


@contextmanager
def live(console: Console, renderable: RenderableType) -> Iterator[Console | None]:
    """Show `renderable` live while the block runs, on a terminal only.

    Yields the console to print lines above the live area, or None when output is not a
    terminal (logs and pipes get the final report only).
    """
    if not console.is_terminal:
        yield None
        return
    with Live(
        renderable,
        console=console,
        transient=True,
        refresh_per_second=REFRESHES_PER_SECOND,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as display:
        yield display.console


def verify_live(console: Console, run: Callable[[LiveSteps | None], VerifyResult]) -> VerifyResult:
    """Run a verification, showing each step live on a terminal."""
    steps = LiveSteps()
    with live(console, steps) as shown:
        return run(steps if shown is not None else None)
