"""The one way a project file is written: staged beside its target, then swapped in.

A reader (or a command killed half-way) sees the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644


def stage(target: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `target`, with `target`'s permissions."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    staged = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        mode = target.stat().st_mode & 0o777 if target.is_file() else NEW_FILE_MODE
        staged.chmod(mode)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def write_atomically(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one step."""
    os.replace(stage(target, data), target)
