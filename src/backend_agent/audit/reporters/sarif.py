"""SARIF 2.1.0 output, as GitHub code scanning uploads it (`github/codeql-action/upload-sarif`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend_agent import __version__
from backend_agent.audit.registry import BY_CODE
from backend_agent.audit.reporters import display_path
from backend_agent.audit.runner import AuditReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(code: str, url: str | None) -> dict[str, Any]:
    rule = BY_CODE.get(code)
    if rule is None:
        descriptor: dict[str, Any] = {
            "id": code,
            "name": code,
            "shortDescription": {"text": f"ruff rule {code}"},
            "defaultConfiguration": {"level": "error"},
        }
    else:
        descriptor = {
            "id": code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc},
            "help": {"text": rule.doc},
            "defaultConfiguration": {"level": "error"},
        }
    if url:
        descriptor["helpUri"] = url
    return descriptor


def sarif_document(report: AuditReport, base: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a report; file URIs are relative to `base` (the current directory)."""
    urls: dict[str, str | None] = {}
    for finding in report.findings:
        urls.setdefault(finding.code, finding.url)
    codes = sorted(urls)
    index = {code: number for number, code in enumerate(codes)}
    results = []
    for finding in report.findings:
        text = finding.message + (f". Fix: {finding.fix_title}" if finding.fix_title else "")
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": "error",
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": display_path(finding.path, base),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {
                                "startLine": finding.line,
                                "startColumn": finding.column,
                                "endLine": finding.end_line,
                                "endColumn": finding.end_column,
                            },
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "backend-agent",
                        "version": __version__,
                        "rules": [_rule(code, urls[code]) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(report: AuditReport, base: Path | None = None) -> str:
    """The SARIF log as JSON text."""
    return json.dumps(sarif_document(report, base), indent=2, ensure_ascii=False)
