"""Leverage of `ask`: bytes the model must produce (tool arguments) vs bytes of code landed.

Run: `python bench/ask_leverage.py [--verify]`. Replays two scripted sessions through the
real SDK and our tools on a fresh project (the same sessions as tests/agent/scripts.py):
1. "Create a FastAPI route for creating users in PostgreSQL with validation";
2. "Add MongoDB integration for storing user preferences" (documents in MongoDB, one per user).
"Added" counts the bytes of the lines the run added or rewrote (the diff): the figure `ask`
prints. "Whole files" is the size of every file touched, the figure it used to print. With
--verify each run is verified on throwaway databases (slower). Figures only; nothing
asserts on them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from agents import set_tracing_disabled
from agents.testing import ScriptedModel

from backend_agent import operations
from backend_agent.agent.run import run_ask
from backend_agent.agent.verdict import AskResult
from backend_agent.verify import StepResult, VerifyResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the sessions live in tests/
from tests.agent.scripts import (
    PREFERENCES_REQUEST,
    USERS_REQUEST,
    preferences_session,
    users_session,
)

SESSIONS = [(USERS_REQUEST, users_session()), (PREFERENCES_REQUEST, preferences_session())]


def _not_verified(root: Path) -> VerifyResult:
    return VerifyResult(str(root), [StepResult("skipped", True, 0.0, "not verified (--verify)")])


def _whole_files(result: AskResult) -> int:
    return sum(len(change.after) for change in result.changes if change.after is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true", help="verify each run on PostgreSQL")
    args = parser.parse_args()
    set_tracing_disabled(True)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "proj"
        operations.new_project(project)
        header = f"{'request':<74} {'args B':>7} {'added B':>8} {'x':>5} {'files B':>8} verified"
        print(header)
        for request, steps in SESSIONS:
            result = run_ask(
                request,
                project,
                model=ScriptedModel(steps),
                verifier=None if args.verify else _not_verified,
            )
            ratio = result.added_bytes / max(result.tool_argument_bytes, 1)
            verdict = "yes" if args.verify and result.ok else "no" if args.verify else "-"
            print(
                f"{request:<74} {result.tool_argument_bytes:>7} {result.added_bytes:>8} "
                f"{ratio:>5.0f} {_whole_files(result):>8} {verdict} ({result.turns} turns, "
                f"{result.verify_runs} verify runs)"
            )


if __name__ == "__main__":
    main()
