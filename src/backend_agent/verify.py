"""Prove a generated project correct: lint, types, audit, migrations and tests on real databases.

Static checks run while the throwaway database starts and the tests run, so the slowest
step (a cold mypy) overlaps with the rest. A `StepProgress` hears each step start and
finish, so a terminal can show them live; the result also records each test's outcome,
which lets `ask` prove that tests only grew.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol
from xml.etree import ElementTree

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
    tests: dict[str, str] | None = None
    """Each test's outcome (passed, failed, error, skipped) by id, e.g.
    `tests/test_users.py::test_create`; None when the tests did not run."""

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def to_dict(self) -> dict[str, object]:
        return {"project": self.project, "ok": self.ok, "steps": [asdict(s) for s in self.steps]}


class StepProgress(Protocol):
    """Hears verification steps as they run (from several threads at once)."""

    def started(self, name: str) -> None: ...

    def finished(self, step: StepResult) -> None: ...


class _Silent:
    def started(self, name: str) -> None:
        pass

    def finished(self, step: StepResult) -> None:
        pass


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
    progress: StepProgress | None = None,
) -> VerifyResult:
    """Run every check on the project at `root` and return one structured result.

    Databases are throwaway servers unless URLs are given; MongoDB is started only for
    projects that need it (MongoDB resources, or agents, whose conversations it keeps).
    """
    root = root.resolve()
    blueprint = load_blueprint(root).blueprint
    python = project_python(root)
    result = VerifyResult(str(root))
    watch = progress or _Silent()
    if missing := _missing_tools(python, root):
        watch.finished(missing)
        result.steps.append(missing)
        return result
    static: list[tuple[str, list[str]]] = [
        # `-P`: the project's own modules (a `types.py` at its root) must not shadow the
        # standard library the tools import.
        ("ruff check", [python, "-P", "-m", "ruff", "check", "."]),
        ("ruff format", [python, "-P", "-m", "ruff", "format", "--check", "."]),
        ("mypy --strict", [python, "-P", "-m", "mypy", "--strict"]),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        background: list[Future[StepResult]] = [
            pool.submit(_run, label, command, root, None, watch) for label, command in static
        ]
        if audit:
            background.append(pool.submit(_audit, root, watch))
        database_steps = _database_steps(
            root, python, blueprint, (database_url, mongodb_url), watch, result
        )
        result.steps = [future.result() for future in background] + database_steps
    return result


# What every step needs importable by the project's interpreter.
REQUIRED_MODULES = (
    "ruff",
    "mypy",
    "pytest",
    "alembic",
    "fastapi",
    "sqlmodel",
    "asyncpg",
    "httpx",
    "schemathesis",
)


def _missing_tools(python: str, root: Path) -> StepResult | None:
    """A failed step naming what to install, when the interpreter lacks the project's tools."""
    check = (
        "import importlib.util, sys; "
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    )
    completed = subprocess.run(
        [python, "-P", "-c", check, *REQUIRED_MODULES],
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
    urls: tuple[str | None, str | None],
    watch: StepProgress,
    result: VerifyResult,
) -> list[StepResult]:
    database_url, mongodb_url = urls
    steps: list[StepResult] = []
    name = blueprint.project.name
    with ExitStack() as stack:
        started = time.perf_counter()
        env = {"ENVIRONMENT": "test"}
        watch.started(DATABASES)
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
            failed = StepResult(DATABASES, False, time.perf_counter() - started, str(error))
            watch.finished(failed)
            return [failed]
        watch.finished(StepResult(DATABASES, True, time.perf_counter() - started, "ready"))
        report = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "pytest.xml"
        for label, command in (
            # alembic.ini and pytest put the project on the import path themselves.
            ("alembic upgrade", [python, "-P", "-m", "alembic", "upgrade", "head"]),
            ("alembic check", [python, "-P", "-m", "alembic", "check"]),
            (
                "pytest",
                [python, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *_junit(report)],
            ),
        ):
            step = _run(label, command, root, env, watch)
            steps.append(step)
            if not step.ok:
                break
        if report.is_file():
            result.tests = _test_outcomes(report)
    return steps


DATABASES = "databases"
"""A step shown while the throwaway servers start; listed in the result only if it failed."""


def _junit(report: Path) -> list[str]:
    """Ask pytest for a JUnit report with file paths (xunit1), to learn each test's outcome."""
    return ["--junitxml", str(report), "-o", "junit_family=xunit1"]


def _test_outcomes(report: Path) -> dict[str, str]:
    """Each test's outcome by an id like `tests/test_users.py::TestX::test_create`."""
    # Written by pytest moments ago into our own temporary folder.
    tree = ElementTree.parse(report)  # noqa: S314
    outcomes: dict[str, str] = {}
    for case in tree.iter("testcase"):
        name, classname = case.get("name", ""), case.get("classname", "")
        file = case.get("file") or classname.replace(".", "/") + ".py"
        module = file.removesuffix(".py").replace("/", ".")
        inner = classname.removeprefix(module).removeprefix(".")
        test_id = "::".join(part for part in (file, inner, name) if part)
        tags = {child.tag for child in case}
        outcomes[test_id] = next(
            (tag for tag in ("error", "failure", "skipped") if tag in tags), "passed"
        ).replace("failure", "failed")
    return outcomes


def _run(
    label: str,
    command: list[str],
    root: Path,
    env: dict[str, str] | None,
    watch: StepProgress,
) -> StepResult:
    watch.started(label)
    step = _run_quietly(label, command, root, env)
    watch.finished(step)
    return step


def _run_quietly(
    label: str, command: list[str], root: Path, env: dict[str, str] | None
) -> StepResult:
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


def _audit(root: Path, watch: StepProgress) -> StepResult:
    """Our own architecture rules (ruff's rules already ran above)."""
    watch.started(AUDIT)
    step = _audit_quietly(root)
    watch.finished(step)
    return step


AUDIT = "backend-agent check"


def _audit_quietly(root: Path) -> StepResult:
    started = time.perf_counter()
    report = run_check([root], include_ruff=False)
    findings = report.findings
    summary = f"{len(findings)} findings in {report.files_checked} files"
    output = "\n".join(
        f"{finding.path}:{finding.line}: {finding.code} {finding.message}" for finding in findings
    )
    return StepResult(AUDIT, not findings, time.perf_counter() - started, summary, output)
