"""The one place that writes project files: plan, diff, 3-way merge, atomic apply, undo.

The state folder `.backend-agent/` keeps the version of every file as last generated.
On re-generation a file the user left alone is replaced, a file the user edited is merged
three ways (base = last generated, ours = the user's file, theirs = the new render), and a
file the user deleted stays deleted. Every command's previous content is kept in
`.backend-agent/history/` so `undo` can restore it.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import merge3

from backend_agent.errors import ProjectError

STATE_DIR = ".backend-agent"
GENERATED_DIR = f"{STATE_DIR}/generated"
HISTORY_DIR = f"{STATE_DIR}/history"
MANIFEST = "manifest.json"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MERGE = "merge"
    CONFLICT = "conflict"
    KEEP_DELETED = "keep-deleted"


@dataclass(frozen=True)
class FileChange:
    """What one command does to one file."""

    path: str
    action: Action
    before: str | None
    """The file as it is on disk now (None: it does not exist)."""
    after: str
    """What the file will hold (for a conflict: the text with conflict markers)."""
    generated: str
    """The new render, recorded as the base of the next merge."""

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                (self.before or "").splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}" if self.before is not None else "/dev/null",
                tofile=f"b/{self.path}",
            )
        )


def plan_changes(
    root: Path,
    generated: dict[str, str],
    *,
    injected: dict[str, Callable[[str], str]] | None = None,
) -> list[FileChange]:
    """Compare the new render with the disk and the last render; decide each file's fate.

    `injected` maps paths edited in place (e.g. the router registry) to the edit to apply to
    the user's current file instead of a merge.
    """
    injected = injected or {}
    changes: list[FileChange] = []
    for path, new in sorted(generated.items()):
        target = root / path
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        base_path = root / GENERATED_DIR / path
        base = base_path.read_text(encoding="utf-8") if base_path.is_file() else None
        if current is None:
            if base is None:
                changes.append(FileChange(path, Action.CREATE, None, new, new))
            elif base != new:
                changes.append(FileChange(path, Action.KEEP_DELETED, None, "", new))
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
    return changes


def _merge(path: str, base: str, ours: str, theirs: str) -> FileChange:
    merger = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    merged = "".join(
        merger.merge_lines(
            name_a="yours",
            name_b="backend-agent",
            start_marker="<<<<<<<",
            mid_marker="=======",
            end_marker=">>>>>>>",
        )
    )
    conflicted = any(region[0] == "conflict" for region in merger.merge_regions())
    return FileChange(path, Action.CONFLICT if conflicted else Action.MERGE, ours, merged, theirs)


def conflicts(changes: list[FileChange]) -> list[str]:
    return [change.path for change in changes if change.action is Action.CONFLICT]


def apply_changes(root: Path, changes: list[FileChange], *, command: str) -> Path | None:
    """Write every change, keeping the previous content in history for `undo`.

    New contents are written to temporary files first; only when all are written do the
    renames happen, so a failure while preparing leaves the project untouched.
    """
    touched = [
        change
        for change in changes
        if change.action is not Action.KEEP_DELETED and change.after != change.before
    ]
    records = changes
    if not touched and not records:
        return None
    entry = _save_history(root, [change.path for change in touched], command)
    staged: list[tuple[Path, Path]] = []
    try:
        for change in touched:
            staged.append(_stage(root / change.path, change.after))
        for change in records:
            staged.append(_stage(root / GENERATED_DIR / change.path, change.generated))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        shutil.rmtree(entry, ignore_errors=True)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)
    return entry


def _stage(target: Path, text: str) -> tuple[Path, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    if target.exists():
        shutil.copymode(target, name)
    else:
        os.chmod(name, 0o644)
    return Path(name), target


def _save_history(root: Path, paths: list[str], command: str) -> Path:
    """Copy what is about to change (and the state folder's records) into a history entry."""
    history = root / HISTORY_DIR
    entry = history / f"{time.time_ns()}"
    entry.mkdir(parents=True)
    files: dict[str, bool] = {}
    for path in paths:
        existed = (root / path).is_file()
        files[path] = existed
        if existed:
            saved = entry / "files" / path
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / path, saved)
    generated = root / GENERATED_DIR
    if generated.is_dir():
        shutil.copytree(generated, entry / "generated")
    (entry / MANIFEST).write_text(json.dumps({"command": command, "files": files}, indent=2))
    return entry


def undo(root: Path) -> tuple[str, list[str]]:
    """Restore the files and state from before the last command; returns (command, paths)."""
    history = root / HISTORY_DIR
    entries = sorted(history.iterdir(), key=lambda p: int(p.name)) if history.is_dir() else []
    if not entries:
        raise ProjectError("nothing to undo: no backend-agent command has changed this project")
    entry = entries[-1]
    manifest = json.loads((entry / MANIFEST).read_text())
    for path, existed in manifest["files"].items():
        if existed:
            _replace(root / path, (entry / "files" / path).read_text(encoding="utf-8"))
        else:
            (root / path).unlink(missing_ok=True)
    generated = root / GENERATED_DIR
    shutil.rmtree(generated, ignore_errors=True)
    if (entry / "generated").is_dir():
        shutil.copytree(entry / "generated", generated)
    shutil.rmtree(entry)
    return manifest["command"], sorted(manifest["files"])


def _replace(target: Path, text: str) -> None:
    temporary, target = _stage(target, text)
    os.replace(temporary, target)
