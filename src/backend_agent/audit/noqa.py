"""`# noqa` comments: suppress findings on their line, and report the ones that suppress nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from backend_agent.audit.finding import Applicability, Edit, Finding, Fix
from backend_agent.audit.registry import ALL_CODES, UNUSED_NOQA

_NOQA = re.compile(
    r"(?P<space>\s*)#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """One `# noqa` comment."""

    line: int
    """Its line, from 1."""
    codes: tuple[str, ...]
    """The codes it names; empty for a bare `# noqa`, which suppresses everything."""
    start: int
    """Character index of the whitespace before `#` on the line."""
    hash_at: int
    """Character index of `#`."""
    end: int
    """Character index just past the directive."""


def directives(text: str) -> dict[int, Directive]:
    """The `# noqa` directives of a source, by line."""
    if "noqa" not in text.lower():
        return {}
    found: dict[int, Directive] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "noqa" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = tuple(code.upper() for code in _CODE.findall(match.group("codes") or ""))
        found[number] = Directive(
            number, codes, match.start(), match.start() + len(match.group("space")), match.end()
        )
    return found


def apply_noqa(
    findings: Sequence[Finding], path: Path, text: str, is_enabled: Callable[[str], bool]
) -> list[Finding]:
    """Drop suppressed findings of one file and add one for each unused BA code.

    Args:
        findings: Our findings in the file.
        path: The file.
        text: Its source.
        is_enabled: Whether a code is selected for this file (unused codes of rules that
            did not run are not judged).

    Returns:
        The findings that remain, plus BA002 findings for unused directives.
    """
    table = directives(text)
    if not table:
        return list(findings)
    used: dict[int, set[str]] = {}
    kept = []
    for finding in findings:
        directive = table.get(finding.line)
        if directive is not None and (not directive.codes or finding.code in directive.codes):
            used.setdefault(finding.line, set()).add(finding.code)
        else:
            kept.append(finding)
    if not is_enabled(UNUSED_NOQA):
        return kept
    for directive in table.values():
        unused = [
            code
            for code in directive.codes
            if code.startswith("BA")
            and code not in used.get(directive.line, set())
            and (code not in ALL_CODES or is_enabled(code))
        ]
        if unused:
            kept.append(_unused(path, directive, unused))
    return kept


def _unused(path: Path, directive: Directive, unused: list[str]) -> Finding:
    remaining = [code for code in directive.codes if code not in unused]
    if remaining:
        edit = Edit(
            directive.line,
            directive.hash_at + 1,
            directive.line,
            directive.end + 1,
            "# noqa: " + ", ".join(remaining),
        )
    else:
        edit = Edit(directive.line, directive.start + 1, directive.line, directive.end + 1, "")
    names = ", ".join(f"`{code}`" for code in unused)
    unknown = [code for code in unused if code not in ALL_CODES]
    detail = f"unknown: {names}" if len(unknown) == len(unused) else f"unused: {names}"
    return Finding(
        code=UNUSED_NOQA,
        message=f"Unused `noqa` directive ({detail})",
        fix_title="Remove the unused codes" if remaining else "Remove the `noqa` directive",
        path=path,
        line=directive.line,
        column=directive.hash_at + 1,
        end_line=directive.line,
        end_column=directive.end + 1,
        fix=Fix(Applicability.SAFE, (edit,)),
    )
