"""Apply fixes to a source text: edits of non-overlapping fixes, all of a fix or none."""

from __future__ import annotations

from collections.abc import Iterable

from backend_agent.audit.finding import Edit, Fix


def _offset(starts: list[int], length: int, line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return length
    return min(starts[line - 1] + column - 1, length)


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply as many fixes as do not overlap, in source order.

    A fix that touches text another accepted fix already edits is skipped; running the
    check again (as `--fix` does) picks it up on the next pass.

    Args:
        text: The source.
        fixes: Fixes for this source.

    Returns:
        The new source and how many fixes were applied.
    """
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    length = len(text)

    def span(edit: Edit) -> tuple[int, int]:
        return (
            _offset(starts, length, edit.line, edit.column),
            _offset(starts, length, edit.end_line, edit.end_column),
        )

    accepted: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    applied = 0
    for fix in sorted(fixes, key=lambda f: min(f.edits)):
        spans = [(*span(edit), edit.content) for edit in fix.edits]
        if any(
            start < end_taken and start_taken < max(end, start + 1)
            for start, end, _ in spans
            for start_taken, end_taken in taken
        ):
            continue
        accepted.extend(spans)
        taken.extend((start, max(end, start + 1)) for start, end, _ in spans)
        applied += 1
    for start, end, content in sorted(accepted, reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied
