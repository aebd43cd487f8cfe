"""Generated Python is passed through ruff (imports sorted, unused ones dropped, formatted).

Templates then need not foresee every combination of imports and line lengths, and the
output is exactly what the project's own `ruff check` and `ruff format --check` accept.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from backend_agent.errors import BackendAgentError
from backend_agent.ruff_binary import ruff_command

# Fixes that only tidy imports; anything else is a template bug and must show up in tests.
FIXES = "I,F401"


def format_python(files: dict[str, str], pyproject: str) -> dict[str, str]:
    """Return `files` with every `.py` file sorted, tidied and formatted under `pyproject`."""
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    if not python:
        return files
    with tempfile.TemporaryDirectory(prefix="backend-agent-fmt-") as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        for path, text in python.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for args in (["check", "--fix", "--select", FIXES, "--exit-zero"], ["format"]):
            result = subprocess.run(
                [*ruff_command(), *args, "--no-cache", "."],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                lines = (result.stderr or result.stdout).strip().splitlines()
                detail = lines[0] if lines else f"exit status {result.returncode}"
                raise BackendAgentError(f"ruff could not format generated code: {detail}")
        formatted = {path: (root / path).read_text(encoding="utf-8") for path in python}
    return {**files, **formatted}
