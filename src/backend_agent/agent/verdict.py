"""What one `ask` run did, and our verdict on it: verified, nothing changed, or not verified.

The verdict never comes from the model. It needs three things: our final verification
passed; the run changed something (a run that did nothing did not do the request, however
it sounds); and tests only grew, meaning every test that passed before the run still
passes after it, unless a generator operation of the same run removed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from backend_agent.agent.snapshot import FileDiff
from backend_agent.verify import VerifyResult

if TYPE_CHECKING:
    from agents import Usage

PASSED = "passed"
NOT_COLLECTED = "no longer collected"


class Verdict(StrEnum):
    VERIFIED = "verified"
    NOTHING_CHANGED = "nothing changed"
    NOT_VERIFIED = "not verified"

    @property
    def exit_code(self) -> int:
        """0 verified, 1 not verified, 3 nothing changed (2 is a usage error)."""
        return {Verdict.VERIFIED: 0, Verdict.NOT_VERIFIED: 1, Verdict.NOTHING_CHANGED: 3}[self]


@dataclass
class TestChanges:
    """How the project's tests changed over the run."""

    __test__ = False  # not a pytest test class, whatever its name says

    added: list[str] = field(default_factory=list)
    """Tests collected after the run that did not exist before."""
    removed: dict[str, str] = field(default_factory=dict)
    """Tests a generator operation of the run removed, with that operation."""
    lost: dict[str, str] = field(default_factory=dict)
    """Tests that passed before and do not now, with their outcome now."""


def compare_tests(
    before: dict[str, str], after: dict[str, str], operation_paths: dict[str, str]
) -> TestChanges:
    """Hold the run to "tests only grow".

    Args:
        before: Test outcomes before the run, by test id (`file::name`).
        after: Test outcomes after it.
        operation_paths: Files the run's generator operations wrote, with the operation.
    """
    changes = TestChanges(added=sorted(after.keys() - before.keys()))
    for test_id, outcome in sorted(before.items()):
        now = after.get(test_id)
        if outcome != PASSED or now == PASSED:
            continue
        operation = operation_paths.get(test_id.split("::")[0])
        if now is None and operation is not None:
            changes.removed[test_id] = operation
        else:
            changes.lost[test_id] = now or NOT_COLLECTED
    return changes


@dataclass
class TokenUsage:
    """Tokens the model spent over the whole run (all rounds)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, usage: Usage) -> None:
        """Add the SDK's `Usage` of one round."""
        self.requests += usage.requests
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.total_tokens += usage.total_tokens


@dataclass
class AskResult:
    """What one `ask` run did, and whether it is proven."""

    request: str
    project: Path
    dry_run: bool
    baseline: VerifyResult | None = None
    """Our verification of the project before the agent changed anything."""
    verification: VerifyResult | None = None
    """The final verification, run by us after the agent stopped (None: not reached)."""
    tests: TestChanges | None = None
    """How the tests changed (None: the tests did not run both before and after)."""
    error: str | None = None
    """Why the run stopped short (turn budget, time limit, model server), if it did."""
    claim: str = ""
    """The model's closing words: its own account, shown apart from our verdict."""
    changes: list[FileDiff] = field(default_factory=list)
    """Every file created, changed or deleted (in a dry run: what would be)."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    turns: int = 0
    """Model calls made."""
    tool_argument_bytes: int = 0
    """Bytes of tool-call arguments the model produced: its share of the work."""
    verify_runs: int = 0
    """Verifications actually run (unchanged trees reuse a result)."""
    undo_entry: Path | None = None
    """The history entry `backend-agent undo` restores (None: dry run or nothing changed)."""

    @property
    def verdict(self) -> Verdict:
        if self.error is not None:
            return Verdict.NOT_VERIFIED
        if not self.changes:
            return Verdict.NOTHING_CHANGED
        return Verdict.VERIFIED if self.checks_passed else Verdict.NOT_VERIFIED

    @property
    def ok(self) -> bool:
        """Success means a change whose final verification, run by our code, passed."""
        return self.verdict is Verdict.VERIFIED

    @property
    def checks_passed(self) -> bool:
        """The final verification passed and no test that passed before was lost."""
        return (
            self.verification is not None
            and self.verification.ok
            and not (self.tests is not None and self.tests.lost)
        )

    @property
    def added_bytes(self) -> int:
        """Bytes of the lines the run added or rewrote: the code that actually landed."""
        return sum(change.added_bytes() for change in self.changes)
