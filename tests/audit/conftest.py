"""Shared helpers of the auditor's tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend_agent.audit import AuditConfig
from backend_agent.audit.config import target_version_in

FIXTURES = Path(__file__).parent / "fixtures"
collect_ignore = ["fixtures"]
"""Fixture files are inputs to the checker, not tests."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project directory with its own pyproject.toml (so ours does not apply)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    return tmp_path


def config_for(root: Path, *select: str) -> AuditConfig:
    """A config rooted at `root` selecting only `select` (all BA codes when empty).

    The target version comes from `root/pyproject.toml` when the fixture has one.
    """
    return AuditConfig(
        root=root, select=select or ("BA",), ignore=(), target_version=target_version_in(root)
    )


_EXPECTED = re.compile(r"#\s*error:\s*(?P<codes>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")


def expected_findings(root: Path) -> set[tuple[str, int, str]]:
    """(file, line, code) of every `# error: CODE[, CODE]` comment under `root`."""
    expected = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = _EXPECTED.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    expected.add((path.relative_to(root).as_posix(), number, code))
    return expected
