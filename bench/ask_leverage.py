"""Leverage of `ask`: bytes the model must produce (tool arguments) vs bytes of code landed.

Run: `python bench/ask_leverage.py [--verify]`. Replays two scripted sessions through the
real SDK and our tools on a fresh project (the same sessions as tests/agent/scripts.py):
1. "Create a FastAPI route for creating users in PostgreSQL with validation";
2. "Add MongoDB integration for storing user preferences", stored in PostgreSQL until
   `--store mongo` exists (the script passes store="postgres").
"Landed" is the size of every file created or changed; "added" counts only the bytes of
added lines. With --verify each run is verified on a throwaway PostgreSQL (slower).
Figures only; nothing asserts on them.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from agents import set_tracing_disabled
from agents.testing import ScriptedModel, assistant_message, function_call

from backend_agent import operations
from backend_agent.agent.session import AskResult, run_ask
from backend_agent.verify import StepResult, VerifyResult


def _session(
    resource: str, fields: list[str], ops: list[str] | None, done: str, *then: list[Any]
) -> list[Any]:
    arguments = {"name": resource, "fields": fields, "ops": ops, "store": "postgres"}
    return [
        [function_call("describe_project", {}, call_id="describe")],
        [function_call("add_resource", arguments, call_id="add")],
        [assistant_message(done)],
        *then,
    ]


# Steps used only when our verification hands a failure back: today the generated service
# docstring of a long resource name exceeds ruff's line length (a generator bug), and the
# model fixes it by hand. Once the generator is fixed, these steps are simply not reached.
_LONG_DOCSTRING = (
    '"""Business logic of user_preferences; the caller\'s unit of work commits what these '
    'functions change."""'
)
_FIX_DOCSTRING = [
    [
        function_call(
            "edit_file",
            {
                "path": "app/services/user_preferences.py",
                "search": _LONG_DOCSTRING,
                "replace": '"""Business logic of user_preferences.\n\nThe caller\'s unit of work '
                'commits what these functions change.\n"""',
            },
            call_id="fix",
        )
    ],
    [function_call("verify", {}, call_id="verify")],
    [assistant_message("Wrapped the service docstring that ruff found too long; verified.")],
]


SESSIONS = [
    (
        "Create a FastAPI route for creating users in PostgreSQL with validation",
        _session(
            "User",
            ["name:str:min=1:max=100", "email:email:unique"],
            ["create", "read", "list"],
            "Added the User resource: POST /users validates name (1-100 characters) and "
            "email (a valid, unique address), with read and list routes, a migration and tests.",
        ),
    ),
    (
        "Add MongoDB integration for storing user preferences",
        _session(
            "UserPreference",
            [
                "user:ref(User)",
                "theme:enum(light|dark|system):default=system",
                "language:str:min=2:max=8:default=en",
                "notifications:bool:default=true",
                "settings:json:optional",
            ],
            None,
            "Added UserPreference (theme, language, notifications, free-form settings) "
            "linked to User, with CRUD routes, a migration and tests. Stored in PostgreSQL "
            "for now: MongoDB storage needs --store mongo.",
            *_FIX_DOCSTRING,
        ),
    ),
]


def _not_verified(root: Path) -> VerifyResult:
    return VerifyResult(str(root), [StepResult("skipped", True, 0.0, "not verified (--verify)")])


def _added_bytes(result: AskResult) -> int:
    return sum(
        len(line.encode("utf-8")) - 1
        for change in result.changes
        for line in change.diff().splitlines(keepends=True)
        if line.startswith("+") and not line.startswith("+++")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true", help="verify each run on PostgreSQL")
    args = parser.parse_args()
    set_tracing_disabled(True)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "proj"
        operations.new_project(project)
        header = f"{'request':<74} {'args B':>7} {'landed B':>9} {'added B':>8} {'x':>6} verified"
        print(header)  # noqa: T201 - a benchmark prints its figures
        for request, steps in SESSIONS:
            result = run_ask(
                request,
                project,
                model=ScriptedModel(steps),
                verifier=None if args.verify else _not_verified,
            )
            ratio = result.code_bytes / max(result.tool_argument_bytes, 1)
            verdict = "yes" if args.verify and result.ok else "no" if args.verify else "-"
            print(  # noqa: T201 - a benchmark prints its figures
                f"{request:<74} {result.tool_argument_bytes:>7} {result.code_bytes:>9} "
                f"{_added_bytes(result):>8} {ratio:>6.0f} {verdict} ({result.turns} turns, "
                f"{result.verify_runs} verify runs)"
            )


if __name__ == "__main__":
    main()
