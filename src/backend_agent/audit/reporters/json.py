"""JSON output shaped like `ruff check --output-format=json`, so the same tools read both."""

from __future__ import annotations

import json
from typing import Any

from backend_agent.audit.finding import Applicability, Finding
from backend_agent.audit.registry import BY_CODE
from backend_agent.audit.runner import AuditReport


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as ruff writes one (keys sorted as ruff sorts them).

    A fix title without edits is written as a `display-only` fix, so it is not lost; so is
    a fix that also edits other files (ruff's format has no file per edit, and half of such
    a fix would break the code): `check --fix` applies it whole.
    """
    fix: dict[str, Any] | None = None
    if finding.fix is not None and finding.fix.edits and not finding.fix.elsewhere:
        fix = {
            "applicability": str(finding.fix.applicability),
            "edits": [
                {
                    "content": edit.content,
                    "end_location": {"column": edit.end_column, "row": edit.end_line},
                    "location": {"column": edit.column, "row": edit.line},
                }
                for edit in finding.fix.edits
            ],
            "message": finding.fix_title,
        }
    elif finding.fix_title:
        fix = {
            "applicability": str(Applicability.DISPLAY_ONLY),
            "edits": [],
            "message": finding.fix_title,
        }
    rule = BY_CODE.get(finding.code)
    return {
        "cell": None,
        "code": finding.code,
        "end_location": {"column": finding.end_column, "row": finding.end_line},
        "filename": str(finding.path),
        "fix": fix,
        "location": {"column": finding.column, "row": finding.line},
        "message": finding.message,
        "name": rule.name if rule is not None else None,
        "noqa_row": finding.line,
        "url": finding.url,
    }


def render_json(report: AuditReport) -> str:
    """The findings as a JSON array."""
    return json.dumps(
        [finding_json(finding) for finding in report.findings], indent=2, ensure_ascii=False
    )
