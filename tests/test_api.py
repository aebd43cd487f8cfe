"""The Python API: the operations the CLI and `ask` call, importable from the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import backend_agent


def test_every_public_name_resolves() -> None:
    for name in backend_agent.__all__:
        assert getattr(backend_agent, name) is not None, name


def test_the_package_generates_and_audits_a_project(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    backend_agent.new_project(root)
    outcome = backend_agent.add_resource(root, "Item", ["name:str", "price:decimal:min=0"])
    assert isinstance(outcome, backend_agent.Outcome)
    assert (root / "app/services/items.py").is_file()
    report = backend_agent.run_check([root], include_ruff=False)
    assert report.findings == []


def test_importing_the_package_loads_nothing_heavy() -> None:
    """The CLI imports the package on every start: the operations load only when used."""
    probe = "import backend_agent, sys; print('backend_agent.operations' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
