"""The project's source files as they are on disk, and what changed between two moments.

`ask` reads the tree before and after a run to report its diff; the undo entry itself is
written by `backend_agent.write.history`, like every other command's.
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from backend_agent.agent.files import is_hidden_from_agent, is_linked

SKIPPED_FOR_COPY = (
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
)
"""What a scratch copy for a dry run leaves out (the environment is linked, not copied)."""


def files_on_disk(root: Path) -> dict[str, bytes]:
    """Every source file of the project, by project-relative path.

    State, caches, secrets and links (symbolic or hard) are left out: the agent can reach
    none of them.
    """
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if is_hidden_from_agent(relative) or not path.is_file() or is_linked(path):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def tree_digest(files: dict[str, bytes]) -> str:
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

    def added_bytes(self) -> int:
        """Bytes of the lines this change adds or rewrites: the code that actually landed."""
        old = (self.before or b"").splitlines(keepends=True)
        new = (self.after or b"").splitlines(keepends=True)
        # autojunk would treat lines repeated in a long file as noise and count them as added
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        return sum(
            len(line)
            for tag, _, _, start, end in matcher.get_opcodes()
            if tag in {"insert", "replace"}
            for line in new[start:end]
        )


def changes_between(before: dict[str, bytes], after: dict[str, bytes]) -> list[FileDiff]:
    """The files that differ between two trees, sorted by path."""
    return [
        FileDiff(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


def scratch_copy(root: Path, target: Path) -> Path:
    """Copy a project for a dry run; its virtualenv (if any) is linked so verify can use it."""
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(*SKIPPED_FOR_COPY), symlinks=True)
    if (root / ".venv").is_dir():
        (target / ".venv").symlink_to(root / ".venv", target_is_directory=True)
    return target
