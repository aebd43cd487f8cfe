"""Configuration from pyproject.toml, selection, per-file ignores, layers, and the rule table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend_agent.audit import RULES, AuditConfig, load_config, run_check
from backend_agent.audit.reporters.rule_doc import SECTIONS, sections
from backend_agent.errors import UsageError

SERVICE_IMPORTING_API = "from app.api.deps import SessionDep\n"


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.is_enabled("BA201")
    assert config.is_enabled("T201")
    assert config.is_enabled("FAST001")
    assert not config.is_enabled("E501")


def test_most_specific_selector_wins() -> None:
    config = AuditConfig(select=("BA", "BA201"), ignore=("BA2",))
    assert config.is_enabled("BA201")
    assert not config.is_enabled("BA202")
    assert config.is_enabled("BA101")


def test_pyproject_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.backend-agent]\n"
        'select = ["BA"]\n'
        'ignore = ["BA103"]\n'
        'per-file-ignores = {"app/legacy/*.py" = ["BA1"]}\n'
        'layer-order = ["web", "domain"]\n'
        "[tool.backend-agent.layers]\n"
        'web = ["web"]\n'
        'domain = ["domain"]\n'
    )
    config = load_config(project / "app")
    assert config.root == project
    assert not config.is_enabled("BA103")
    assert not config.is_enabled("T201")
    _write(project, "app/domain/orders.py", "from app.web import views\n")
    _write(project, "app/legacy/orders.py", "from app.services import x\n")
    _write(project, "app/services/orders.py", SERVICE_IMPORTING_API)
    report = run_check([project], include_ruff=False)
    assert [(f.code, f.path.relative_to(project).as_posix()) for f in report.findings] == [
        ("BA101", "app/domain/orders.py")
    ]


@pytest.mark.parametrize(
    ("pyproject", "ruff_toml", "expected"),
    [
        ('[project]\nrequires-python = ">=3.12"\n', None, (3, 12)),
        (
            '[project]\nrequires-python = ">=3.10,<4"\n[tool.ruff]\ntarget-version = "py311"\n',
            None,
            (3, 11),
        ),
        ('[tool.poetry.dependencies]\npython = "^3.9"\n', None, (3, 9)),
        ('[project]\nrequires-python = ">=3.10"\n', 'target-version = "py313"\n', (3, 13)),
        ('[project]\nname = "x"\n', None, None),
    ],
)
def test_target_version_is_ruffs(
    project: Path, pyproject: str, ruff_toml: str | None, expected: tuple[int, int] | None
) -> None:
    (project / "pyproject.toml").write_text(pyproject)
    if ruff_toml is not None:
        (project / "ruff.toml").write_text(ruff_toml)
    assert load_config(project / "app").target_version == expected


@pytest.mark.parametrize(
    "table",
    [
        'selec = ["BA"]',
        'select = "BA"',
        'ignore = ["BA9"]',
        'layer-order = ["api", "nowhere"]',
        "unsafe-fixes = 1",
    ],
)
def test_bad_config_is_a_usage_error(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.backend-agent]\n{table}\n")
    with pytest.raises(UsageError):
        load_config(project)


def test_noqa_suppresses_only_its_code(project: Path) -> None:
    _write(project, "app/services/a.py", SERVICE_IMPORTING_API.rstrip() + "  # noqa: BA101\n")
    _write(project, "app/services/b.py", SERVICE_IMPORTING_API.rstrip() + "  # noqa: BA102\n")
    _write(project, "app/api/deps.py", "SessionDep = int\n")
    report = run_check(
        [project], config=AuditConfig(root=project, select=("BA1",)), include_ruff=False
    )
    assert [(f.code, f.path.name) for f in report.findings] == [("BA101", "b.py")]


def test_tests_are_not_held_to_route_and_service_rules(project: Path) -> None:
    _write(
        project,
        "tests/test_db.py",
        "from sqlalchemy import create_engine\n"
        'engine = create_engine("postgresql://postgres:postgres@localhost/test")\n',
    )
    report = run_check(
        [project], config=AuditConfig(root=project, select=("BA",)), include_ruff=False
    )
    assert report.findings == []


def test_codes_are_permanent_and_unique() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"BA[0-3]\d\d", code) for code in codes)
    assert codes == sorted(codes)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_documents_its_sections(rule: object) -> None:
    from backend_agent.audit import Rule

    assert isinstance(rule, Rule)
    found = sections(rule)
    assert list(found) == list(SECTIONS)
    assert all(found.values())
