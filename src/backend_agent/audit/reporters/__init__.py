"""Render an audit report: text for people, JSON/SARIF/GitHub annotations for machines."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class OutputFormat(StrEnum):
    """The formats `check --format` accepts."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


def display_path(path: Path, base: Path | None = None) -> str:
    """A path relative to `base` (the current directory by default) when under it, else absolute."""
    base = base or Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
