"""What a check produces: findings, with an optional fix made of text edits.

Positions follow ruff's JSON: lines and columns start at 1, columns count characters
(not bytes), and the end is exclusive, so our findings and ruff's merge into one report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Applicability(StrEnum):
    """How far a fix can be trusted, with ruff's names for the levels."""

    SAFE = "safe"
    """Keeps the code's meaning; `--fix` applies it."""
    UNSAFE = "unsafe"
    """Changes behaviour on purpose (usually the point); applied only with `unsafe-fixes = true`."""
    DISPLAY_ONLY = "display-only"
    """Never applied: the fix title is advice, there are no edits."""


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two positions with `content` (empty content deletes)."""

    line: int
    """First line of the replaced range, from 1."""
    column: int
    """First column of the replaced range, from 1, in characters."""
    end_line: int
    """Last line of the replaced range."""
    end_column: int
    """Column just past the replaced range."""
    content: str
    """The text put in place of the range."""


@dataclass(frozen=True)
class Fix:
    """A set of edits applied together, or not at all."""

    applicability: Applicability
    """Whether `--fix` may apply it without asking."""
    edits: tuple[Edit, ...]
    """Non-overlapping edits to the finding's file."""
    elsewhere: tuple[tuple[Path, tuple[Edit, ...]], ...] = ()
    """Edits to other files that belong to the same fix (a function moved to a service)."""


@dataclass(frozen=True)
class Finding:
    """One problem at one place in one file: ours (BA codes) or ruff's (its own codes)."""

    code: str
    """Permanent rule code, e.g. `BA201` or ruff's `T201`."""
    message: str
    """Names the problem, at this place."""
    fix_title: str | None
    """Names the remedy; shown even when no automatic fix exists."""
    path: Path
    """The file, as an absolute path."""
    line: int
    """Start line, from 1."""
    column: int
    """Start column, from 1, in characters."""
    end_line: int
    """End line."""
    end_column: int
    """Column just past the end."""
    fix: Fix | None = None
    """Edits that resolve the finding, when the rule can write them."""
    url: str | None = None
    """Documentation of the rule, when it lives on the web (ruff's rules)."""

    @property
    def fixable(self) -> bool:
        """Whether the finding carries edits (of any applicability)."""
        return self.fix is not None and bool(self.fix.edits)
