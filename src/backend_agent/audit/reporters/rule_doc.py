"""Rule documentation: `backend-agent rule CODE` in the terminal, and docs/rules/README.md.

Both come from the rule table and the rules' docstrings, so the docs cannot drift from
the code (a test regenerates the README and compares).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from backend_agent.audit.config import (
    DEFAULT_LAYER_ORDER,
    DEFAULT_LAYERS,
    DEFAULT_SELECT,
)
from backend_agent.audit.registry import RULES, Rule

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


_README_HEAD = """# `backend-agent check` rules

<!-- Generated from the rule table and the rules' docstrings by
`backend_agent.audit.reporters.rule_doc.rules_markdown`; tests/audit/test_docs.py keeps it
current (regenerate with `UPDATE_GOLDEN=1 pytest tests/audit/test_docs.py`). -->

Each rule documents itself (what it finds, why it matters, example, use instead, fix
safety, known limits): run `backend-agent rule CODE`, or read it below. The text lives in
the rule's module docstring under `src/backend_agent/audit/rules/`.

Codes are permanent (`src/backend_agent/audit/registry.py`); a retired code is never reused.
BA0xx is the checker itself, BA1xx layering and routes, BA2xx databases and sessions,
BA3xx secrets and credentials. ruff runs alongside for what it already covers (T201, ANN,
ASYNC, FAST, S) and its findings keep ruff's codes; T201 carries our fix (log through the
module's logger).
"""

_CONFIGURATION = """## Configuration

```toml
[tool.backend-agent]
select = [{select}]   # BA codes are ours, the rest go to ruff
ignore = ["BA203"]                                       # codes to leave out (none by default)
per-file-ignores = {{"app/legacy/*.py" = ["BA201"]}}
extend-exclude = ["scripts"]                             # migrations/, .venv/... are excluded
unsafe-fixes = false
layer-order = [{order}]   # top to bottom; `|` joins peers

[tool.backend-agent.layers]                              # layer -> folder or module names
{layers}
```

A file's layer is its innermost folder that names one, else its own module name
(`orders/service.py` is a service). Suppress one finding with `# noqa: BA201`; a BA code
in a `noqa` comment that suppresses nothing is reported as BA002 (like ruff's RUF100).
Files under `tests/` (and `test_*.py`, `conftest.py`) are not held to the route, service,
database or secret rules. The target Python version (for BA001) is ruff's
`target-version`, else the lower bound of `requires-python`.
"""


def rules_markdown() -> str:
    """docs/rules/README.md: the rule table, the configuration, then each rule in full."""
    table = ["| Code | Name | Finds |", "|------|------|-------|"]
    for rule in RULES:
        finds = rule.summary.split(": ", 1)[-1]
        table.append(f"| {rule.code} | `{rule.name}` | {finds} |")
    configuration = _CONFIGURATION.format(
        select=_toml_list(DEFAULT_SELECT),
        order=_toml_list(" | ".join(level) for level in DEFAULT_LAYER_ORDER),
        layers="\n".join(
            f"{name} = [{_toml_list(folders)}]" for name, folders in DEFAULT_LAYERS.items()
        ),
    )
    parts = [_README_HEAD, "\n".join(table) + "\n", configuration]
    for rule in RULES:
        body = [f"## {rule.code} `{rule.name}`\n", rule.summary + "\n"]
        for name, text in sections(rule).items():
            fenced = f"```python\n{text}\n```" if name in _CODE_SECTIONS else _reflow(text)
            body.append(f"### {name}\n\n{fenced}\n")
        parts.append("\n".join(body))
    return "\n".join(parts)


def _toml_list(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)
