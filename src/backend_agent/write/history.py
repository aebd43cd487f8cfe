"""The undo log: one entry per command that changed the project, operations and `ask` alike.

An entry `.backend-agent/history/<n>/` holds the previous content of every file the command
changed (under `files/`), the previous generated state (under `generated/`) and
`manifest.json`: the command, which files existed before it, and a digest of what the
command left in each. `undo` restores the newest entry, and refuses when a file no longer
holds what the command left, because restoring it would lose an edit made since.

While a command swaps files in, a journal names its entry; `recover` rolls back a command
that was killed half-way.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

from backend_agent.errors import ProjectError
from backend_agent.write.atomic import write_atomically
from backend_agent.write.state import GENERATED_DIR, HISTORY_DIR, JOURNAL, LOCK_FILE

MANIFEST = "manifest.json"


class Manifest(TypedDict):
    command: str
    files: dict[str, bool]
    """Every path the command changed, and whether it existed before."""
    results: dict[str, str | None]
    """SHA-256 of what the command left in each path (None: it removed the file)."""


def digest(data: bytes | None) -> str | None:
    """The fingerprint `undo` compares to tell a later edit apart (None: no file)."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def entries(root: Path) -> list[Path]:
    """The history entries of a project, oldest first."""
    history = root / HISTORY_DIR
    if not history.is_dir():
        return []
    found = [entry for entry in history.iterdir() if entry.is_dir() and entry.name.isdigit()]
    return sorted(found, key=lambda entry: int(entry.name))


def save(root: Path, paths: Iterable[str], command: str) -> Path:
    """Copy the current content of `paths` and the generated state into a new entry."""
    entry = root / HISTORY_DIR / str(time.time_ns())
    entry.mkdir(parents=True)
    # The lock lives beside the log from the first command on, so that taking it later
    # (even for a dry run) adds no file to the project.
    (root / LOCK_FILE).touch(exist_ok=True)
    files: dict[str, bool] = {}
    for path in paths:
        source = root / path
        files[path] = source.is_file()
        if files[path]:
            saved = entry / "files" / path
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, saved)
    generated = root / GENERATED_DIR
    if generated.is_dir():
        shutil.copytree(generated, entry / "generated")
    _write_manifest(entry, Manifest(command=command, files=files, results={}))
    return entry


def record_results(entry: Path, results: Mapping[str, bytes | None]) -> None:
    """Note what the command leaves in each file, so `undo` can tell later edits apart."""
    manifest = _manifest(entry)
    manifest["results"] = {path: digest(data) for path, data in results.items()}
    _write_manifest(entry, manifest)


def settle(root: Path, entry: Path, changed: Collection[str], command: str) -> Path | None:
    """Make an entry saved before a long run (`ask`) undo exactly what the run changed.

    `entry` saved every file when the run began; the entries the run's operations added
    since are folded into it (it already holds the state from before all of them). Only
    `changed` paths are kept, with what they hold now as the result. Returns the entry, or
    None when nothing changed (the entry is removed).
    """
    for later in entries(root):
        if int(later.name) > int(entry.name):
            shutil.rmtree(later)
    if not changed:
        shutil.rmtree(entry)
        return None
    before = _manifest(entry)["files"]
    saved, kept = entry / "files", entry / "files.kept"
    for path in changed:
        if before.get(path):
            (kept / path).parent.mkdir(parents=True, exist_ok=True)
            (saved / path).rename(kept / path)
    shutil.rmtree(saved, ignore_errors=True)
    if kept.is_dir():
        kept.rename(saved)
    files = {path: before.get(path, False) for path in sorted(changed)}
    results = {path: digest(_read(root / path)) for path in files}
    _write_manifest(entry, Manifest(command=command, files=files, results=results))
    return entry


@contextmanager
def journal(root: Path, entry: Path) -> Iterator[None]:
    """Name `entry` while files are swapped in; on failure, roll the swap back at once."""
    path = root / JOURNAL
    path.write_text(json.dumps({"entry": entry.name}))
    try:
        yield
    except BaseException:
        recover(root)
        raise
    path.unlink()


def recover(root: Path) -> bool:
    """Roll back a command that was interrupted while swapping files in; True if one was."""
    path = root / JOURNAL
    if not path.is_file():
        return False
    entry = root / HISTORY_DIR / json.loads(path.read_text())["entry"]
    restore(root, entry)
    for leftover in root.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(entry)  # the interrupted command never happened: nothing to undo of it
    path.unlink()
    return True


def undo_last(root: Path, *, force: bool = False) -> tuple[str, list[str]]:
    """Restore the files and state from before the last command; returns (command, paths).

    Files edited since that command are not overwritten unless `force`: undo would lose
    those edits.
    """
    recover(root)
    found = entries(root)
    if not found:
        raise ProjectError("nothing to undo: no backend-agent command has changed this project")
    entry = found[-1]
    manifest = _manifest(entry)
    edited = [
        path for path, result in manifest["results"].items() if digest(_read(root / path)) != result
    ]
    if edited and not force:
        raise ProjectError(
            f"{', '.join(sorted(edited))} changed since `{manifest['command']}`; undoing it "
            "would lose those edits (save them elsewhere, or pass --force)"
        )
    command, paths = restore(root, entry)
    shutil.rmtree(entry)
    return command, paths


def restore(root: Path, entry: Path) -> tuple[str, list[str]]:
    """Put back every file and the generated state an entry saved."""
    manifest = _manifest(entry)
    for path, existed in manifest["files"].items():
        if existed:
            write_atomically(root / path, (entry / "files" / path).read_bytes())
        else:
            (root / path).unlink(missing_ok=True)
    generated = root / GENERATED_DIR
    shutil.rmtree(generated, ignore_errors=True)
    if (entry / "generated").is_dir():
        shutil.copytree(entry / "generated", generated)
    return manifest["command"], sorted(manifest["files"])


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _manifest(entry: Path) -> Manifest:
    data = json.loads((entry / MANIFEST).read_text())
    return Manifest(command=data["command"], files=data["files"], results=data.get("results", {}))


def _write_manifest(entry: Path, manifest: Manifest) -> None:
    (entry / MANIFEST).write_text(json.dumps(manifest, indent=2))
