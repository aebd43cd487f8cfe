"""The templates themselves (whitespace control cannot glue two lines of output together), and
ruff's pass over what they render."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from backend_agent.errors import BackendAgentError
from backend_agent.formatting import format_python

TEMPLATES = Path(str(files("backend_agent").joinpath("templates")))
# Text, then a block tag ending the line: `trim_blocks` eats that line's newline.
TRAILING_BLOCK = re.compile(r"^\s*[^{\s].*\{%-?[^%]*-?%\}\s*$")


@pytest.mark.parametrize(
    "template",
    sorted(p for p in TEMPLATES.rglob("*.jinja")),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_line_is_glued_to_the_next(template: Path) -> None:
    """A line ending in `{% endif %}` after text loses its newline; that is only safe when
    the next template line is blank (its newline takes the place of the lost one)."""
    lines = template.read_text(encoding="utf-8").splitlines()
    glued = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(lines, 1)
        if TRAILING_BLOCK.match(line) and number < len(lines) and lines[number].strip()
    ]
    assert glued == []


def test_code_ruff_cannot_parse_is_reported_with_its_file_and_line() -> None:
    """A template bug that renders unparseable Python names where, not an empty message."""
    with pytest.raises(BackendAgentError, match=r"app/broken\.py:1:\d+"):
        format_python({"app/broken.py": "from app.models.user import\n"}, "")
