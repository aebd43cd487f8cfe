"""What a user sees while a long command runs: the model wait, and verification steps live."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

from agents import ModelResponse, ModelSettings
from agents.models.interface import ModelTracing
from agents.testing import ScriptedModel, assistant_message
from rich.console import Console

from backend_agent.agent.display import AskDisplay
from backend_agent.agent.snapshot import FileDiff
from backend_agent.agent.watched_model import WatchedModel
from backend_agent.report import LiveSteps
from backend_agent.services import LocalPostgres
from backend_agent.verify import StepResult, verify


class _SlowModel(ScriptedModel):
    """Answers only once the test lets it, so the test can look at a call in flight."""

    def __init__(self) -> None:
        super().__init__([[assistant_message("done")]])
        self.proceed = asyncio.Event()
        self.waiting = asyncio.Event()

    async def get_response(self, *args: object, **kwargs: object) -> ModelResponse:
        self.waiting.set()
        await self.proceed.wait()
        return await super().get_response(*args, **kwargs)


def test_the_status_line_shows_the_call_in_flight() -> None:
    inner = _SlowModel()
    watched = WatchedModel(inner, server="the model server at http://127.0.0.1:1/v1")
    display = AskDisplay(Console(), watched)
    seen: list[str | None] = []

    async def call() -> None:
        task = asyncio.create_task(
            watched.get_response(
                None,
                "hi",
                ModelSettings(),
                [],
                None,
                [],
                ModelTracing.DISABLED,
                previous_response_id=None,
                conversation_id=None,
                prompt=None,
            )
        )
        await inner.waiting.wait()
        seen.append(display._waiting())
        inner.proceed.set()
        await task
        seen.append(display._waiting())

    asyncio.run(call())
    assert seen[0] is not None
    assert seen[0].startswith("waiting on the model server at http://127.0.0.1:1/v1: turn 1, 0 s")
    assert seen[0].endswith("0 tokens so far")
    assert seen[1] is None  # nothing in flight: no line


def test_running_steps_show_a_spinner_and_their_time_finished_ones_their_result() -> None:
    steps = LiveSteps()
    steps.started("mypy --strict")
    steps.started("pytest")
    steps.finished(StepResult("pytest", False, 2.5, "1 failed, 3 passed"))
    console = Console(force_terminal=True, width=100, record=True, color_system=None)
    console.print(steps)
    text = console.export_text()
    assert re.search(r"FAIL +pytest +2\.5 s 1 failed, 3 passed", text)
    running = next(line for line in text.splitlines() if "mypy --strict" in line)
    assert running.rstrip().endswith(" s") and "pass" not in running and "FAIL" not in running


def test_verify_reports_every_step_as_it_starts_and_ends(
    project: Path, postgres: LocalPostgres
) -> None:
    heard: list[str] = []
    lock = threading.Lock()

    class Recorder:
        def started(self, name: str) -> None:
            with lock:
                heard.append(f"start {name}")

        def finished(self, step: StepResult) -> None:
            with lock:
                heard.append(f"end {step.name}")

    result = verify(project, database_url=postgres.create_database("progress"), progress=Recorder())
    assert result.ok, [step.output for step in result.steps if not step.ok]
    names = [step.name for step in result.steps] + ["databases"]
    for name in names:
        assert heard.index(f"start {name}") < heard.index(f"end {name}")
    assert heard.index("end databases") < heard.index("start alembic upgrade")
    assert result.tests is not None
    assert result.tests["tests/test_health.py::test_live_answers_ok"] == "passed"


def test_the_leverage_figure_counts_the_diff_not_whole_files() -> None:
    before = "".join(f"value_{number} = {number}\n" for number in range(300)).encode()
    after = before.replace(b"value_7 = 7\n", b"value_7 = 70\n")
    change = FileDiff("app/values.py", before, after)
    assert change.added_bytes() == len("value_7 = 70\n")
    assert FileDiff("app/new.py", None, b"x = 1\n").added_bytes() == len("x = 1\n")
