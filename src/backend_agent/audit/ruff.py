"""Run ruff for what it already checks (print, annotations, blocking calls, FastAPI, security).

We do not re-implement T201/ANN/ASYNC/FAST/S: ruff runs on the same files and its findings
join the report under ruff's own codes, with its fixes and documentation links.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend_agent.audit.finding import Applicability, Edit, Finding, Fix
from backend_agent.errors import UsageError
from backend_agent.ruff_binary import ruff_command

_CODE = re.compile(r"^[A-Z]+[0-9]+$")
_TEST_CODES = '["S101", "S105", "S106"]'
TEST_IGNORES = (
    f'{{"**/tests/**" = {_TEST_CODES}, "**/test_*.py" = {_TEST_CODES}, '
    f'"**/conftest.py" = {_TEST_CODES}}}'
)
"""Asserts and throwaway passwords are how tests are written; ruff's S rules would flood them."""


class RuffRun:
    """One `ruff check` process, started at once so it runs while our rules do."""

    def __init__(
        self,
        files: Sequence[Path],
        *,
        select: Sequence[str],
        ignore: Sequence[str],
        cwd: Path,
    ) -> None:
        """Start ruff on the files; the project's ruff configuration still applies
        (excludes, per-file-ignores), the rule selection is ours. ruff never writes: its
        fixes come back as edits, which `--fix` checks and applies like ours.

        Args:
            files: The files to check.
            select: Ruff selectors (codes or prefixes); nothing runs when empty.
            ignore: Ruff selectors to switch off.
            cwd: Where ruff runs (it finds the project's configuration from there).

        Raises:
            UsageError: ruff is not installed.
        """
        self._process: subprocess.Popen[str] | None = None
        if not select or not files:
            return
        command = [
            *ruff_command(),
            "check",
            "--output-format=json",
            "--force-exclude",
            "--exit-zero",
            f"--select={','.join(select)}",
            "--config",
            f"lint.extend-per-file-ignores = {TEST_IGNORES}",
        ]
        if ignore:
            command.append(f"--ignore={','.join(ignore)}")
        command.append("--no-fix")
        command += ["--", *map(str, files)]
        self._process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def findings(self) -> list[Finding]:
        """Wait for ruff and return its findings as ours.

        Raises:
            UsageError: ruff rejected the selection or failed.
        """
        if self._process is None:
            return []
        stdout, stderr = self._process.communicate()
        if self._process.returncode != 0:
            reason = " ".join(stderr.split()) or f"exit code {self._process.returncode}"
            raise UsageError(f"ruff failed: {reason}")
        return [
            finding
            for item in json.loads(stdout or "[]")
            if (finding := _finding(item)) is not None
        ]


def _finding(item: dict[str, Any]) -> Finding | None:
    code = item.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        return None
    raw_fix = item.get("fix")
    fix = None
    if raw_fix:
        edits = tuple(
            Edit(
                e["location"]["row"],
                e["location"]["column"],
                e["end_location"]["row"],
                e["end_location"]["column"],
                e["content"],
            )
            for e in raw_fix["edits"]
        )
        fix = Fix(Applicability(raw_fix["applicability"]), edits)
    return Finding(
        code=code,
        message=item["message"],
        fix_title=raw_fix.get("message") if raw_fix else None,
        path=Path(item["filename"]),
        line=item["location"]["row"],
        column=item["location"]["column"],
        end_line=item["end_location"]["row"],
        end_column=item["end_location"]["column"],
        fix=fix,
        url=item.get("url"),
    )
