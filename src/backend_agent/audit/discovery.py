"""Which files a check covers: the Python files under the given paths, minus excluded ones."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path

from backend_agent.audit.config import AuditConfig
from backend_agent.errors import UsageError


def discover(paths: Sequence[Path], config: AuditConfig) -> list[Path]:
    """Absolute paths of the `.py` files to check, sorted, without duplicates.

    A file named explicitly is checked even when excluded (as ruff does); directories are
    walked without entering excluded names (`migrations`, `.venv`, ...).

    Raises:
        UsageError: A path does not exist.
    """
    found: set[Path] = set()
    for given in paths:
        path = given.resolve()
        if not path.exists():
            raise UsageError(f"path `{given}` does not exist: pass existing files or directories")
        if path.is_file():
            found.add(path)
            continue
        for directory, subdirectories, files in os.walk(path):
            base = Path(directory)
            subdirectories[:] = sorted(d for d in subdirectories if not _excluded(base / d, config))
            found.update(
                base / name
                for name in files
                if name.endswith(".py") and not _excluded(base / name, config)
            )
    return sorted(found)


def _excluded(path: Path, config: AuditConfig) -> bool:
    name = path.name
    try:
        relative = path.relative_to(config.root).as_posix()
    except ValueError:
        relative = name
    return any(
        name == pattern or fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(relative, pattern)
        for pattern in config.exclude
    )
