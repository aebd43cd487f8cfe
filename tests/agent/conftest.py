"""Fixtures for the agent's tests: a fresh project, a stand-in verifier, tool outputs.

The SDK runs for real against `agents.testing.ScriptedModel`; only verification is
replaced where a test is not about it (a real verify takes seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import set_tracing_disabled
from agents.testing import ScriptedModel

from backend_agent import operations
from backend_agent.verify import StepResult, VerifyResult


@pytest.fixture(scope="session", autouse=True)
def _no_tracing() -> Iterator[None]:
    set_tracing_disabled(True)
    yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A freshly generated project with no resources."""
    root = tmp_path / "proj"
    operations.new_project(root, description="A test API.")
    return root


def passing_verifier(root: Path) -> VerifyResult:
    """Stands in for `verify` when a test is about something else."""
    return VerifyResult(str(root), [StepResult("pytest", True, 0.0, "1 passed")])


def tool_outputs(model: ScriptedModel) -> dict[str, str]:
    """What every tool call returned to the model, by call id, as the model received it."""
    outputs: dict[str, str] = {}
    for call in model.calls:
        items: list[Any] = call.input if isinstance(call.input, list) else []
        for item in items:
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                outputs[item["call_id"]] = str(item["output"])
    return outputs


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, state folder included, except caches the checks leave."""
    caches = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not caches & set(path.parts)
    }
