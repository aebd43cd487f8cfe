"""GitHub Actions workflow commands: one `::error` annotation per finding, shown on the PR diff."""

from __future__ import annotations

from pathlib import Path

from backend_agent.audit.reporters import display_path
from backend_agent.audit.runner import AuditReport


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: AuditReport, base: Path | None = None) -> str:
    """The annotations, one per line (empty when clean)."""
    lines = []
    for finding in report.findings:
        message = finding.message + (f". Fix: {finding.fix_title}" if finding.fix_title else "")
        lines.append(
            f"::error file={_property(display_path(finding.path, base))},line={finding.line},"
            f"col={finding.column},endLine={finding.end_line},endColumn={finding.end_column},"
            f"title={_property(finding.code)}::{_data(message)}"
        )
    return "\n".join(lines)
