"""What a command does to each file: plan, diff, 3-way merge, and the journaled swap.

The state folder `.backend-agent/` keeps the version of every file as last generated.
On re-generation a file the user left alone is replaced, a file the user edited is merged
three ways (base = last generated, ours = the user's file, theirs = the new render), and a
file the user deleted stays deleted. A generated file the blueprint no longer produces is
removed if the user never edited it.

Every command first copies what it will change into a history entry (`history`), writes
a journal naming that entry, swaps the files in, and removes the journal; a journal left by
a killed command is rolled back by the next command, so a project is never left
half-changed.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import merge3

from backend_agent.write.atomic import stage
from backend_agent.write.history import journal, record_results, recover, save
from backend_agent.write.state import GENERATED_DIR


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MERGE = "merge"
    CONFLICT = "conflict"
    DELETE = "delete"
    KEEP_DELETED = "keep-deleted"


@dataclass(frozen=True)
class FileChange:
    """What one command does to one file."""

    path: str
    action: Action
    before: str | None
    """The file as it is on disk now (None: it does not exist)."""
    after: str | None
    """What the file will hold (None: it is removed; for a conflict, the text with markers)."""
    generated: str | None
    """The new render, recorded as the base of the next merge (None: forget the base)."""

    @property
    def writes(self) -> bool:
        return self.action is not Action.KEEP_DELETED and self.after != self.before

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                (self.before or "").splitlines(keepends=True),
                (self.after or "").splitlines(keepends=True),
                fromfile=f"a/{self.path}" if self.before is not None else "/dev/null",
                tofile=f"b/{self.path}" if self.after is not None else "/dev/null",
            )
        )


def plan_changes(
    root: Path,
    generated: dict[str, str],
    *,
    injected: dict[str, Callable[[str], str]] | None = None,
    removable: Callable[[str], bool] = lambda _path: True,
) -> list[FileChange]:
    """Compare the new render with the disk and the last render; decide each file's fate.

    `injected` maps paths edited in place (e.g. the router registry) to the edit to apply to
    the user's current file instead of a merge. `removable` says which previously generated
    paths may be removed when the render no longer has them.
    """
    injected = injected or {}
    changes: list[FileChange] = []
    for path, new in sorted(generated.items()):
        current = _read(root / path)
        base = _read(root / GENERATED_DIR / path)
        if current is None:
            if base is None:
                changes.append(FileChange(path, Action.CREATE, None, new, new))
            elif base != new:
                changes.append(FileChange(path, Action.KEEP_DELETED, None, None, new))
            continue
        if path in injected:
            after = injected[path](current)
        elif current == new or (base is not None and current == base):
            after = new
        else:
            changes.append(_merge(path, base or "", current, new))
            continue
        if after != current or base != new:
            changes.append(FileChange(path, Action.UPDATE, current, after, new))
    changes += _removals(root, generated, removable)
    return changes


def _removals(
    root: Path, generated: dict[str, str], removable: Callable[[str], bool]
) -> list[FileChange]:
    state = root / GENERATED_DIR
    if not state.is_dir():
        return []
    changes: list[FileChange] = []
    for base_path in sorted(state.rglob("*")):
        path = base_path.relative_to(state).as_posix()
        if not base_path.is_file() or path in generated or not removable(path):
            continue
        current, base = _read(root / path), _read(base_path)
        if current is None or current == base:
            changes.append(FileChange(path, Action.DELETE, current, None, None))
        else:
            changes.append(FileChange(path, Action.CONFLICT, current, current, None))
    return changes


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _merge(path: str, base: str, ours: str, theirs: str) -> FileChange:
    """Three-way merge of the user's file (ours) with the new render (theirs).

    Where both sides only inserted lines at the same place (a user's function appended at
    the end of a file whose last class gained a field), both insertions are kept, the
    generator's first; any other overlap is a conflict, written with standard markers.
    """
    merger = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    merged: list[str] = []
    conflicted = False
    for group in merger.merge_groups():
        if group[0] != "conflict":
            merged += group[1]
            continue
        _, base_lines, our_lines, their_lines = group
        if not base_lines:
            merged += [*their_lines, *_ending_newline(their_lines), *our_lines]
            continue
        conflicted = True
        merged += [
            "<<<<<<< yours\n",
            *our_lines,
            *_ending_newline(our_lines),
            "=======\n",
            *their_lines,
            *_ending_newline(their_lines),
            ">>>>>>> backend-agent\n",
        ]
    action = Action.CONFLICT if conflicted else Action.MERGE
    return FileChange(path, action, ours, "".join(merged), theirs)


def _ending_newline(lines: Sequence[str]) -> list[str]:
    return ["\n"] if lines and not lines[-1].endswith("\n") else []


def conflicts(changes: list[FileChange]) -> list[str]:
    return [change.path for change in changes if change.action is Action.CONFLICT]


def apply_changes(root: Path, changes: list[FileChange], *, command: str) -> Path | None:
    """Write every change, keeping the previous content in history for `undo`.

    New contents are staged in temporary files first; a journal then names the history
    entry while the files are swapped in, so an interrupted swap is rolled back.
    """
    recover(root)
    touched = [change for change in changes if change.writes]
    if not touched and all(_read(root / GENERATED_DIR / c.path) == c.generated for c in changes):
        return None
    entry = save(root, [change.path for change in touched], command)
    record_results(entry, {change.path: _encode(change.after) for change in touched})
    # (staged temporary file, target); no temporary file means: remove the target.
    staged: list[tuple[Path | None, Path]] = []
    try:
        for change in touched:
            staged.append(_stage_or_remove(root / change.path, change.after))
        for change in changes:
            staged.append(_stage_or_remove(root / GENERATED_DIR / change.path, change.generated))
    except BaseException:
        for temporary, _ in staged:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
        shutil.rmtree(entry, ignore_errors=True)
        raise
    with journal(root, entry):
        for temporary, target in staged:
            if temporary is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(temporary, target)
    return entry


def _stage_or_remove(target: Path, text: str | None) -> tuple[Path | None, Path]:
    return (None if text is None else stage(target, text.encode("utf-8"))), target


def _encode(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")
