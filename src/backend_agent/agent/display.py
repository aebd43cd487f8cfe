"""What `ask` shows: live while it runs, then the report of the run."""

from __future__ import annotations

from rich.console import Console

from backend_agent.agent.verdict import AskResult, Verdict
from backend_agent.report import LiveStatus, LiveSteps, print_diff, print_verification


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


def report(console: Console, err_console: Console, result: AskResult, *, show_diff: bool) -> None:
    """The end of a run: the agent's own account (apart), the changes, the tests, the
    checks, the usage and our verdict."""
    if result.claim:
        console.rule("the agent's account (its own words, not our verdict)")
        console.print(result.claim, markup=False, highlight=False)
    console.rule("changes" + (" (dry run: nothing written)" if result.dry_run else ""))
    _print_changes(console, result, show_diff=show_diff)
    _print_tests(console, result)
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


def _print_tests(console: Console, result: AskResult) -> None:
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


def _print_changes(console: Console, result: AskResult, *, show_diff: bool) -> None:
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
