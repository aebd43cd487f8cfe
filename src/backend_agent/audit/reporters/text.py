"""Text output for people: findings grouped by file, each with its fix title (Rich)."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.text import Text

from backend_agent.audit.finding import Applicability
from backend_agent.audit.reporters import display_path
from backend_agent.audit.runner import AuditReport


def render_text(report: AuditReport, console: Console, *, unsafe_fixes: bool = False) -> None:
    """Print findings grouped by file, then a one-line summary.

    Args:
        report: What to show.
        console: Where to print.
        unsafe_fixes: Whether `--fix` would apply unsafe fixes (changes the summary).
    """
    for path, group in groupby(report.findings, key=lambda f: f.path):
        console.print(Text(display_path(path), style="bold underline"))
        for finding in group:
            line = Text("  ")
            line.append(f"{finding.line}:{finding.column}".ljust(8), style="dim")
            line.append(finding.code.ljust(8), style="bold red")
            marker = (
                finding.fix is not None
                and finding.fixable
                and (
                    finding.fix.applicability is Applicability.SAFE
                    or (unsafe_fixes and finding.fix.applicability is Applicability.UNSAFE)
                )
            )
            line.append("[*] " if marker else "")
            line.append(finding.message)
            console.print(line, soft_wrap=True)
            if finding.fix_title:
                fix = Text(" " * 18 + "fix: ", style="dim").append(finding.fix_title, style="green")
                console.print(fix, soft_wrap=True)
        console.print()
    console.print(_summary(report, unsafe_fixes))


def _summary(report: AuditReport, unsafe_fixes: bool) -> Text:
    fixed = f"Fixed {report.fixes_applied}. " if report.fixes_applied else ""
    if not report.findings:
        return Text(f"{fixed}All checks passed ({report.files_checked} files).", style="bold green")
    files = len({finding.path for finding in report.findings})
    total = len(report.findings)
    safe = sum(
        1
        for f in report.findings
        if f.fixable and f.fix is not None and f.fix.applicability is Applicability.SAFE
    )
    unsafe = sum(
        1
        for f in report.findings
        if f.fixable and f.fix is not None and f.fix.applicability is Applicability.UNSAFE
    )
    fixable = safe + (unsafe if unsafe_fixes else 0)
    text = Text(
        f"{fixed}Found {total} finding{'s' * (total != 1)} in {files} file{'s' * (files != 1)}.",
        style="bold",
    )
    if fixable:
        text.append(f" [*] {fixable} fixable with --fix.")
    if unsafe and not unsafe_fixes:
        text.append(f" {unsafe} more with `unsafe-fixes = true`.", style="dim")
    return text
