"""Apply fixes to a source text: all of a fix or none, and never one that breaks the file.

Every fix, ours or ruff's, is checked before it is written: the file must still parse
(for the project's target version) and every name it uses must still be bound somewhere
(an import, a definition, an assignment, a builtin). A set of fixes that fails the check
is retried one fix at a time, keeping those that pass.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Sequence

from backend_agent.audit.finding import Edit, Fix
from backend_agent.audit.parsing import Version, parse_source

_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__"}


def _offset(starts: list[int], length: int, line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return length
    return min(starts[line - 1] + column - 1, length)


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply as many fixes as do not overlap, in source order (unverified).

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


def apply_verified(text: str, fixes: Sequence[Fix], target: Version | None) -> tuple[str, int]:
    """Apply the fixes that keep the file parsing and its names bound.

    Args:
        text: The source.
        fixes: Fixes for this source.
        target: The project's target Python version.

    Returns:
        The new source and how many fixes were applied.
    """
    before = unbound_names(text, target)
    if before is None:
        return text, 0
    fixed, count = apply_fixes(text, fixes)
    if count and _keeps_meaning(fixed, before, target):
        return fixed, count
    applied = 0
    for fix in sorted(fixes, key=lambda f: min(f.edits)):
        candidate, one = apply_fixes(text, [fix])
        if one and _keeps_meaning(candidate, before, target):
            text = candidate
            applied += 1
            before = unbound_names(text, target) or before
    return text, applied


def _keeps_meaning(text: str, before: frozenset[str], target: Version | None) -> bool:
    after = unbound_names(text, target)
    return after is not None and after <= before


def unbound_names(text: str, target: Version | None) -> frozenset[str] | None:
    """Names the file uses but binds nowhere (None when it does not parse).

    Scopes are not told apart: a name bound anywhere counts as bound everywhere, so this
    catches what a fix can break (a removed import, a name it introduces and forgets to
    define), not every unbound name.
    """
    parsed = parse_source(text, target)
    if parsed.tree is None or parsed.problem is not None:
        return None
    used: set[str] = set()
    bound: set[str] = set(_BUILTINS)
    for node in ast.walk(parsed.tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            if node.name == "*":
                return frozenset()
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
        elif (isinstance(node, ast.ExceptHandler) and node.name) or (
            isinstance(node, ast.MatchAs | ast.MatchStar) and node.name
        ):
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return frozenset(used - bound)
