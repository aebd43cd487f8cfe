"""How backend-agent starts ruff: its binary, never `python -m ruff`.

`python -m ruff` puts the working directory first on `sys.path`; a checked or generated
folder holding `types.py`, `enum.py` or `logging.py` then shadows the standard library
and the interpreter fails before ruff starts. The binary has no import path at all.
"""

from __future__ import annotations

import shutil

from backend_agent.errors import UsageError


def ruff_command() -> list[str]:
    """The ruff binary installed with this package, else the one on PATH.

    Raises:
        UsageError: ruff is not installed.
    """
    try:
        from ruff import find_ruff_bin

        return [find_ruff_bin()]
    except (ImportError, FileNotFoundError):
        binary = shutil.which("ruff")
        if binary is not None:
            return [binary]
    raise UsageError("ruff is not installed: `pip install ruff`")
