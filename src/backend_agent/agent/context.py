"""What the tools share during one run: the workspace, the verifier, what was written.

It is the `context` the SDK hands every tool (`RunContextWrapper[AskContext]`); it is never
sent to the model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend_agent.agent.files import Workspace
from backend_agent.agent.snapshot import files_on_disk, tree_digest
from backend_agent.verify import VerifyResult

Verifier = Callable[[Path], VerifyResult]
"""Runs every check on a project root; `backend_agent.verify.verify_project` bound to a database."""


@dataclass
class AskContext:
    """The state of one `ask` run, shared by its tools and the run loop."""

    workspace: Workspace
    """The project (or its scratch copy in a dry run), confined."""
    verifier: Verifier
    """How to verify the project; tests pass one bound to their own database."""
    operation_paths: dict[str, str] = field(default_factory=dict)
    """Paths the generator operations wrote during the run, each with the operation."""
    verify_runs: int = 0
    """How many verifications actually ran (a repeat on an unchanged tree is reused)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Tools run in worker threads and a model may call several at once: one at a time."""
    _results: dict[str, VerifyResult] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.workspace.root

    def touched(self) -> set[str]:
        """Every path a tool wrote, by hand or through an operation."""
        return self.workspace.written | set(self.operation_paths)

    def verify(self) -> VerifyResult:
        """Verify the project as it is now; an unchanged tree reuses its earlier result.

        The result always comes from running our checks on these exact files, never from
        the model's account, so the run may rely on it for the final verdict.
        """
        key = tree_digest(files_on_disk(self.root))
        if key not in self._results:
            self.verify_runs += 1
            self._results[key] = self.verifier(self.root)
        return self._results[key]
