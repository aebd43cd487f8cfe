"""Prove a generated project correct: lint, types, audit, migrations and tests on real databases.

Static checks run while the throwaway database starts and the tests run, so the slowest
step (a cold mypy) overlaps with the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backend_agent.audit import run_check
from backend_agent.blueprint import Blueprint, load_blueprint
from backend_agent.errors import ServiceError
from backend_agent.services import local_mongo, local_postgres

OUTPUT_TAIL_LINES = 40


@dataclass
class StepResult:
    """The outcome of one verification step."""

    name: str
    ok: bool
    seconds: float
    summary: str
    """One line: what passed, or the first thing that failed."""
    output: str = ""
    """The tail of the tool's output, for the report when the step failed."""


@dataclass
class VerifyResult:
    project: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def to_dict(self) -> dict[str, object]:
        return {"project": self.project, "ok": self.ok, "steps": [asdict(s) for s in self.steps]}


def project_python(root: Path) -> str:
    """The project's own virtualenv interpreter when it has one, else ours."""
    candidate = root / ".venv" / "bin" / "python"
    return str(candidate) if candidate.is_file() else sys.executable


def verify(
    root: Path,
    *,
    database_url: str | None = None,
    mongodb_url: str | None = None,
    audit: bool = True,
) -> VerifyResult:
    """Run every check on the project at `root` and return one structured result.

    Databases are throwaway servers unless URLs are given; MongoDB is started only for
    projects that need it (MongoDB resources, or agents, whose conversations it keeps).
    """
    root = root.resolve()
    blueprint = load_blueprint(root).blueprint
    python = project_python(root)
    result = VerifyResult(str(root))
    if missing := _missing_tools(python, root):
        result.steps.append(missing)
        return result
    static: list[tuple[str, list[str]]] = [
        ("ruff check", [python, "-m", "ruff", "check", "."]),
        ("ruff format", [python, "-m", "ruff", "format", "--check", "."]),
        ("mypy --strict", [python, "-m", "mypy", "--strict"]),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        background: list[Future[StepResult]] = [
            pool.submit(_run, label, command, root, None) for label, command in static
        ]
        if audit:
            background.append(pool.submit(_audit, root))
        database_steps = _database_steps(root, python, blueprint, database_url, mongodb_url)
        result.steps = [future.result() for future in background] + database_steps
    return result


# What every step needs importable by the project's interpreter.
REQUIRED_MODULES = ("ruff", "mypy", "pytest", "alembic", "fastapi", "sqlmodel", "asyncpg", "httpx")


def _missing_tools(python: str, root: Path) -> StepResult | None:
    """A failed step naming what to install, when the interpreter lacks the project's tools."""
    check = (
        "import importlib.util, sys; "
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    )
    completed = subprocess.run(
        [python, "-c", check, *REQUIRED_MODULES],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    missing = completed.stdout.split()
    if completed.returncode == 0 and not missing:
        return None
    return StepResult(
        "dependencies",
        False,
        0.0,
        f"{python} lacks {', '.join(missing) or 'a working Python'}: run "
        '`pip install -e ".[dev]"` in the project (or create its .venv), '
        "or install `backend-agent[project]`",
    )


def _database_steps(
    root: Path,
    python: str,
    blueprint: Blueprint,
    database_url: str | None,
    mongodb_url: str | None,
) -> list[StepResult]:
    steps: list[StepResult] = []
    name = blueprint.project.name
    with ExitStack() as stack:
        started = time.perf_counter()
        env = {"ENVIRONMENT": "test"}
        try:
            if database_url is None:
                server = stack.enter_context(local_postgres())
                database_url = server.create_database(f"verify_{name}")
            env["DATABASE_URL"] = database_url
            if blueprint.needs_mongo:
                if mongodb_url is None:
                    mongodb_url = stack.enter_context(local_mongo()).url()
                env["MONGODB_URL"] = mongodb_url
                env["MONGODB_DATABASE"] = f"verify_{name}"
        except ServiceError as error:
            return [StepResult("databases", False, time.perf_counter() - started, str(error))]
        for label, command in (
            ("alembic upgrade", [python, "-m", "alembic", "upgrade", "head"]),
            ("alembic check", [python, "-m", "alembic", "check"]),
            ("pytest", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]),
        ):
            step = _run(label, command, root, env)
            steps.append(step)
            if not step.ok:
                break
    return steps


def _run(label: str, command: list[str], root: Path, env: dict[str, str] | None) -> StepResult:
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
    except OSError as error:
        return StepResult(label, False, time.perf_counter() - started, f"cannot run: {error}")
    output = (completed.stdout + completed.stderr).strip()
    lines = output.splitlines()
    summary = _summary(label, lines, completed.returncode == 0)
    return StepResult(
        label,
        completed.returncode == 0,
        time.perf_counter() - started,
        summary,
        "\n".join(lines[-OUTPUT_TAIL_LINES:]),
    )


def _summary(label: str, lines: list[str], ok: bool) -> str:
    meaningful = [line for line in lines if line.strip() and not line.startswith("INFO ")]
    if label == "pytest" and meaningful:
        return meaningful[-1].strip("= ")
    if ok:
        return meaningful[-1] if meaningful else "ok"
    return next(
        (line for line in meaningful if "error" in line.lower() or "failed" in line.lower()),
        meaningful[-1] if meaningful else "failed",
    )


def _audit(root: Path) -> StepResult:
    """Our own architecture rules (ruff's rules already ran above)."""
    started = time.perf_counter()
    report = run_check([root], include_ruff=False)
    findings = report.findings
    summary = f"{len(findings)} findings in {report.files_checked} files"
    output = "\n".join(
        f"{finding.path}:{finding.line}: {finding.code} {finding.message}" for finding in findings
    )
    return StepResult(
        "backend-agent check", not findings, time.perf_counter() - started, summary, output
    )
