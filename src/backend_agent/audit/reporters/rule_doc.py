"""`backend-agent rule CODE`: a rule's documentation, its code examples highlighted."""

from __future__ import annotations

import textwrap

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from backend_agent.audit.registry import Rule

SECTIONS = (
    "What it finds",
    "Why it matters",
    "Example",
    "Use instead",
    "Fix safety",
    "Known limits",
)
"""The fixed sections every rule documents, in order."""
_CODE_SECTIONS = frozenset({"Example", "Use instead"})


def sections(rule: Rule) -> dict[str, str]:
    """The rule's documentation split into its sections (dedented bodies)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in rule.doc.splitlines()[1:]:
        header = line.rstrip().removesuffix(":")
        if line.rstrip().endswith(":") and header in SECTIONS:
            current = found.setdefault(header, [])
        elif current is not None:
            current.append(line)
    return {name: textwrap.dedent("\n".join(lines)).strip("\n") for name, lines in found.items()}


def render_rule(rule: Rule, console: Console) -> None:
    """Print the rule's code, name, summary and sections."""
    parts: list[RenderableType] = [
        Text.assemble((rule.code, "bold red"), " ", (rule.name, "bold"), "\n", rule.summary),
    ]
    for name, body in sections(rule).items():
        parts.append(Text(f"\n{name}", style="bold underline"))
        if name in _CODE_SECTIONS:
            parts.append(
                Padding(
                    Syntax(body, "python", theme="ansi_dark", background_color="default"),
                    (0, 0, 0, 4),
                )
            )
        else:
            parts.append(Padding(Text(_reflow(body)), (0, 0, 0, 4)))
    console.print(Group(*parts))


def _reflow(body: str) -> str:
    """Join hard-wrapped lines into paragraphs, so the terminal wraps them at its width."""
    paragraphs = [" ".join(part.split()) for part in body.split("\n\n")]
    return "\n\n".join(paragraphs)
