"""The files of a generated project that are not Python, each checked by a real linter or
by loading it the way its consumer does: the CI workflow, the Dockerfile, the README and
`.env.example`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backend_agent import operations


@pytest.fixture(scope="module")
def postgres_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plain") / "plain"
    operations.new_project(root)
    operations.add_resource(root, "Note", ["title:str", "done:bool:default=false"])
    return root


@pytest.fixture(params=["shop", "postgres only"])
def project(request: pytest.FixtureRequest, shop_project: Path, postgres_only: Path) -> Path:
    """The shop (PostgreSQL, MongoDB) and a project on PostgreSQL alone."""
    return shop_project if request.param == "shop" else postgres_only


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_ci_workflow_is_a_valid_github_workflow(project: Path) -> None:
    workflow = ".github/workflows/ci.yml"
    result = run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        workflow,
        cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_passes_hadolint(project: Path) -> None:
    result = run(tool("hadolint"), "Dockerfile", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_is_clean_markdown(project: Path) -> None:
    # Prose lines are not wrapped by design (MD013).
    result = run(tool("pymarkdown"), "--disable-rules", "md013", "scan", "README.md", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


COMMANDS = {"python", "pip", "cp", "alembic", "uvicorn", "ruff", "backend-agent"}


def test_readme_shell_lines_are_whole_commands(project: Path) -> None:
    """Each line of a shell block is a command of its own (no two lines glued together)."""
    readme = (project / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks
    for line in filter(None, "\n".join(blocks).splitlines()):
        words = shlex.split(line, comments=True)
        assert words and words[0] in COMMANDS, line


def test_env_example_names_real_settings_with_valid_values(project: Path) -> None:
    """Every variable of `.env.example`, commented or not, is a setting, and the file with
    all of them switched on loads into Settings."""
    lines = (project / ".env.example").read_text().splitlines()
    assignments = [
        line.removeprefix("# ") for line in lines if re.match(r"^(# )?[A-Z][A-Z0-9_]*=", line)
    ]
    assert any(line.startswith("DATABASE_URL=") for line in assignments)
    (project.parent / "all.env").write_text("\n".join(assignments) + "\n")
    check = (
        "import sys; from dotenv import dotenv_values; from app.core.config import Settings; "
        "values = dotenv_values(sys.argv[1]); "
        "unknown = [k for k in values if k.lower() not in Settings.model_fields]; "
        "assert not unknown, unknown; "
        "Settings.model_validate({k.lower(): v for k, v in values.items()})"
    )
    result = run(sys.executable, "-c", check, str(project.parent / "all.env"), cwd=project)
    assert result.returncode == 0, result.stderr
