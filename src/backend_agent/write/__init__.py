"""The one place that writes project files.

- `changes`: what a command does to each file (3-way merge with the last generated
  version, removals) and the journaled swap that applies it;
- `history`: the undo log every change is recorded in, operations and `ask` alike;
- `atomic`: the one helper that replaces a file (staged beside it, then swapped in);
- `lock`: one writer per project at a time;
- `state`: where backend-agent keeps its state inside a project.
"""

from backend_agent.write.changes import (
    Action,
    FileChange,
    apply_changes,
    conflicts,
    plan_changes,
)
from backend_agent.write.history import recover, undo_last
from backend_agent.write.lock import project_lock
from backend_agent.write.state import GENERATED_DIR, HISTORY_DIR, JOURNAL, STATE_DIR

__all__ = [
    "GENERATED_DIR",
    "HISTORY_DIR",
    "JOURNAL",
    "STATE_DIR",
    "Action",
    "FileChange",
    "apply_changes",
    "conflicts",
    "plan_changes",
    "project_lock",
    "recover",
    "undo_last",
]
