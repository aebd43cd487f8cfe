"""Before and after an agent run: what changed, and one history entry that undoes it all.

An agent run may call several operations (each leaving its own history entry) and write
files by hand (leaving none). So that one `backend-agent undo` takes the project back to
where it was before `ask`, the run writes its own entry in the format `write.undo` reads
(`manifest.json` with `{"command", "files": {path: existed}}`, the previous contents under
`files/`, the previous generated state under `generated/`) and folds the entries the
operations added during the run into it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backend_agent.agent.files import is_hidden_from_agent
from backend_agent.write import GENERATED_DIR, HISTORY_DIR, MANIFEST

SKIPPED_FOR_COPY = (
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
)
"""What a scratch copy for a dry run leaves out (the environment is linked, not copied)."""


def project_files(root: Path) -> dict[str, bytes]:
    """Every source file of the project, by project-relative path (no state, caches, secrets)."""
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if is_hidden_from_agent(relative) or not path.is_file() or path.is_symlink():
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def digest(files: dict[str, bytes]) -> str:
    """A fingerprint of a file tree: equal trees verify the same, so a result can be reused."""
    hasher = hashlib.sha256()
    for path, content in sorted(files.items()):
        hasher.update(path.encode() + b"\0" + hashlib.sha256(content).digest())
    return hasher.hexdigest()


@dataclass(frozen=True)
class FileDiff:
    """One file the run created, changed or deleted."""

    path: str
    before: bytes | None
    """Content before the run (None: the file did not exist)."""
    after: bytes | None
    """Content after the run (None: the run deleted it)."""

    @property
    def status(self) -> str:
        """`A`dded, `M`odified or `D`eleted, as in `git status --short`."""
        return "A" if self.before is None else "D" if self.after is None else "M"

    def diff(self) -> str:
        """A unified diff of the text (binary files get a one-line note)."""
        try:
            old = (self.before or b"").decode("utf-8").splitlines(keepends=True)
            new = (self.after or b"").decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            return f"Binary file {self.path} differs\n"
        lines = difflib.unified_diff(
            old,
            new,
            fromfile="/dev/null" if self.before is None else f"a/{self.path}",
            tofile="/dev/null" if self.after is None else f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def counts(self) -> tuple[int, int]:
        """Lines added and removed, for a diff stat."""
        added = removed = 0
        for line in self.diff().splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return added, removed


def changes_between(before: dict[str, bytes], after: dict[str, bytes]) -> list[FileDiff]:
    """The files that differ between two trees, sorted by path."""
    return [
        FileDiff(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


@dataclass
class Snapshot:
    """The project as it was when the run started, and the undo entry that protects it."""

    root: Path
    files: dict[str, bytes]
    entry: Path
    """The history entry written at the start; finalised (or removed) when the run ends."""

    @classmethod
    def take(cls, root: Path, *, command: str) -> Snapshot:
        """Record the project before the run.

        The entry is written at once, listing every existing file, so even a run that
        crashes half-way leaves something `undo` can restore from.
        """
        files = project_files(root)
        entry = root / HISTORY_DIR / str(time.time_ns())
        entry.mkdir(parents=True)
        for path, content in files.items():
            saved = entry / "files" / path
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(content)
        generated = root / GENERATED_DIR
        if generated.is_dir():
            shutil.copytree(generated, entry / "generated")
        _write_manifest(entry, command, dict.fromkeys(files, True))
        return cls(root, files, entry)

    def changes(self) -> list[FileDiff]:
        """What the run changed so far."""
        return changes_between(self.files, project_files(self.root))

    def finish(self, *, command: str, touched: set[str]) -> Path | None:
        """Make the entry undo exactly the run: its changed files, nothing more.

        `touched` are the paths the tools reported writing; the diff against the snapshot
        adds anything else that changed. Entries the operations added during the run are
        folded into this one (its `generated/` is the state from before all of them).
        Returns the entry, or None when the run changed nothing (no entry is left).
        """
        changed = {change.path for change in self.changes()}
        paths = sorted(changed | {path for path in touched if _in_scope(path)})
        for newer in self._later_entries():
            shutil.rmtree(newer)
        if not paths:
            shutil.rmtree(self.entry)
            return None
        saved, kept = self.entry / "files", self.entry / "files.kept"
        for path in paths:
            if path in self.files:
                (kept / path).parent.mkdir(parents=True, exist_ok=True)
                (saved / path).rename(kept / path)
        shutil.rmtree(saved, ignore_errors=True)
        if kept.is_dir():
            kept.rename(saved)
        _write_manifest(self.entry, command, {path: path in self.files for path in paths})
        return self.entry

    def _later_entries(self) -> list[Path]:
        history = self.entry.parent
        mine = int(self.entry.name)
        return [
            entry
            for entry in history.iterdir()
            if entry.is_dir() and entry.name.isdigit() and int(entry.name) > mine
        ]


def _in_scope(path: str) -> bool:
    return not is_hidden_from_agent(PurePosixPath(path))


def _write_manifest(entry: Path, command: str, files: dict[str, bool]) -> None:
    (entry / MANIFEST).write_text(json.dumps({"command": command, "files": files}, indent=2))


def scratch_copy(root: Path, target: Path) -> Path:
    """Copy a project for a dry run; its virtualenv (if any) is linked so verify can use it."""
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(*SKIPPED_FOR_COPY), symlinks=True)
    if (root / ".venv").is_dir():
        (target / ".venv").symlink_to(root / ".venv", target_is_directory=True)
    return target
