"""The `check` and `rule` commands: parse options, call `run_check`, print, exit.

Registered by the CLI as `app.command("check")(check)` and `app.command("rule")(rule)`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from backend_agent.audit.config import load_config, split_codes
from backend_agent.audit.registry import BY_CODE
from backend_agent.audit.reporters import OutputFormat
from backend_agent.audit.reporters.github import render_github
from backend_agent.audit.reporters.json import render_json
from backend_agent.audit.reporters.rule_doc import render_rule
from backend_agent.audit.reporters.sarif import render_sarif
from backend_agent.audit.reporters.text import render_text
from backend_agent.audit.runner import run_check
from backend_agent.errors import UsageError
from backend_agent.ruff_binary import ruff_command


def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or directories to check (default: the current directory).",
            show_default=False,
        ),
    ] = None,
    select: Annotated[
        str | None,
        typer.Option(
            "--select",
            help="Comma-separated codes or prefixes to report, replacing the configured selection "
            "(BA codes are ours, others go to ruff), e.g. BA2,T201.",
            show_default=False,
        ),
    ] = None,
    ignore: Annotated[
        str | None,
        typer.Option(
            "--ignore",
            help="Comma-separated codes or prefixes to leave out, added to the configured ones.",
            show_default=False,
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Apply safe fixes (and unsafe ones with `unsafe-fixes = true`), ours then ruff's.",
        ),
    ] = False,
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="Output: text for people, json (like ruff's), sarif (code scanning), "
            "github (annotations).",
        ),
    ] = OutputFormat.TEXT,
    exit_zero: Annotated[
        bool,
        typer.Option("--exit-zero", help="Exit 0 even when findings remain."),
    ] = False,
    no_ruff: Annotated[
        bool,
        typer.Option("--no-ruff", help="Run only our rules, not ruff's T201/ANN/ASYNC/FAST/S."),
    ] = False,
) -> None:
    """Audit a FastAPI codebase against the architecture rules, merged with ruff's findings.

    Exits 1 when findings remain, 0 when clean, 2 on a usage error.
    """
    targets = paths or [Path.cwd()]
    config = load_config(targets[0]).with_selection(split_codes(select), split_codes(ignore))
    report = run_check(targets, config=config, include_ruff=not no_ruff, fix=fix)
    warnings = Console(stderr=True, highlight=False)
    for warning in report.warnings:
        warnings.print(Text.assemble(("warning: ", "bold yellow"), warning), soft_wrap=True)
    if format is OutputFormat.TEXT:
        render_text(report, Console(highlight=False), unsafe_fixes=config.unsafe_fixes)
    else:
        renderers = {
            OutputFormat.JSON: render_json,
            OutputFormat.SARIF: render_sarif,
            OutputFormat.GITHUB: render_github,
        }
        output = renderers[format](report)
        if output:
            typer.echo(output)
    raise typer.Exit(1 if report.findings and not exit_zero else 0)


def rule(
    code: Annotated[
        str, typer.Argument(help="A rule code: ours (BA201) or ruff's (T201).", show_default=False)
    ],
) -> None:
    """Explain a rule: what it finds, why, an example, what to write instead, fix safety, limits."""
    wanted = code.strip().upper()
    found = BY_CODE.get(wanted)
    if found is not None:
        render_rule(found, Console(highlight=False))
        raise typer.Exit(0)
    if wanted.startswith("BA"):
        raise UsageError(f"unknown rule code `{code}`: BA codes are {', '.join(sorted(BY_CODE))}")
    completed = subprocess.run(
        [*ruff_command(), "rule", wanted], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise UsageError(f"unknown rule code `{code}`: neither ours nor ruff's")
    sys.stdout.write(completed.stdout)
    raise typer.Exit(0)
