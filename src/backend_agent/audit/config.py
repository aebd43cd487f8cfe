"""Configuration of `check`: `[tool.backend-agent]` in the nearest pyproject.toml.

Keys mirror ruff's so a reader knows them already::

    [tool.backend-agent]
    select = ["BA", "T201", "ANN", "ASYNC", "FAST", "S"]   # BA codes are ours, the rest go to ruff
    ignore = ["BA203"]
    per-file-ignores = {"app/legacy/*.py" = ["BA201"]}
    extend-exclude = ["scripts"]
    unsafe-fixes = false
    layer-order = ["api", "services", "models | db", "core"]   # top to bottom; `|` joins peers

    [tool.backend-agent.layers]          # layer -> directory (or module) names that belong to it
    api = ["api", "routes", "routers"]
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from backend_agent.errors import UsageError

Version = tuple[int, int]

DEFAULT_SELECT: tuple[str, ...] = ("BA", "T201", "ANN", "ASYNC", "FAST", "S")
DEFAULT_IGNORE: tuple[str, ...] = ()
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".backend-agent",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    "migrations",
    "alembic",
)
DEFAULT_LAYERS: Mapping[str, tuple[str, ...]] = {
    "api": (
        "api",
        "routes",
        "routers",
        "router",
        "endpoints",
        "views",
        "agents",
        "deps",
        "dependencies",
    ),
    "services": ("services", "service"),
    "models": ("models", "schemas", "schema"),
    "db": ("db", "database", "repositories", "repository", "crud"),
    "core": ("core",),
}
"""Folder or module names of each layer; per-feature layouts (`orders/service.py`,
`orders/views.py`) are covered by the singular names."""
DEFAULT_LAYER_ORDER: tuple[tuple[str, ...], ...] = (
    ("api",),
    ("services",),
    ("models", "db"),
    ("core",),
)
TEST_DIRECTORIES = frozenset({"tests", "test"})

_SELECTOR = re.compile(r"^(ALL|[A-Z]+[0-9]*)$")


@dataclass(frozen=True)
class AuditConfig:
    """What to check and how files map to layers; every field has a working default."""

    root: Path = field(default_factory=Path.cwd)
    """Directory of the pyproject.toml the config came from; patterns are relative to it."""
    select: tuple[str, ...] = DEFAULT_SELECT
    """Codes or prefixes to report. `BA...` selects our rules; any other code is ruff's."""
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    """Codes or prefixes never reported; the longer of a matching select/ignore wins."""
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Glob (on the path relative to `root`, or the file name) -> codes ignored in those files."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    """Directory/file names or globs skipped when walking directories (migrations included)."""
    unsafe_fixes: bool = False
    """Let `--fix` apply unsafe fixes too (they change behaviour, which is usually the point)."""
    layers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LAYERS))
    """Layer name -> directory or module names whose files belong to the layer."""
    layer_order: tuple[tuple[str, ...], ...] = DEFAULT_LAYER_ORDER
    """Layers from top to bottom; a layer may import its peers and the layers below it."""
    target_version: Version | None = None
    """The oldest Python the project supports (ruff's `target-version`, else `requires-python`);
    None when it declares none, and then any Python syntax from 3.8 to 3.14 is valid."""

    def is_enabled(self, code: str) -> bool:
        """Whether `code` is selected: the most specific matching selector decides.

        Args:
            code: A rule code such as `BA201` or `T201`.

        Returns:
            True when a select prefix matches and no longer ignore prefix does.
        """
        chosen = _longest_match(code, self.select)
        if chosen < 0:
            return False
        return _longest_match(code, self.ignore) < chosen

    def ignored_in(self, relative: PurePosixPath) -> tuple[str, ...]:
        """The codes `per-file-ignores` switches off for one file.

        Args:
            relative: The file's path relative to `root`.

        Returns:
            All codes (prefixes) of the patterns that match the path or the file name.
        """
        text = relative.as_posix()
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores.items():
            if fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(relative.name, pattern):
                codes.extend(ignored)
        return tuple(codes)

    def layer_rank(self, layer: str) -> int:
        """Position of a layer from the top (0), or -1 when it has no place in the order."""
        for rank, peers in enumerate(self.layer_order):
            if layer in peers:
                return rank
        return -1

    def with_selection(
        self, select: Sequence[str] | None, ignore: Sequence[str] | None
    ) -> AuditConfig:
        """The config with command-line codes applied: `--select` replaces, `--ignore` adds.

        Raises:
            UsageError: A code is malformed or names no rule of ours.
        """
        new_select = tuple(select) if select is not None else self.select
        new_ignore = self.ignore + tuple(ignore or ())
        validate_codes([*new_select, *new_ignore], "the command line")
        return replace(self, select=new_select, ignore=new_ignore)


def _longest_match(code: str, selectors: Iterable[str]) -> int:
    best = -1
    for selector in selectors:
        if selector == "ALL" or code.startswith(selector):
            best = max(best, 0 if selector == "ALL" else len(selector))
    return best


def validate_codes(codes: Iterable[str], origin: str) -> None:
    """Reject malformed selectors and BA codes that name no rule (ruff validates its own).

    Raises:
        UsageError: Naming the first bad code and where it came from.
    """
    from backend_agent.audit.registry import ALL_CODES

    for code in codes:
        if not _SELECTOR.match(code):
            raise UsageError(
                f"unknown rule selector `{code}` in {origin}: use codes like BA201 or BA2"
            )
        if code.startswith("BA") and not any(known.startswith(code) for known in ALL_CODES):
            raise UsageError(f"unknown rule code `{code}` in {origin}: no BA rule starts with it")


def split_codes(text: str | None) -> list[str] | None:
    """Parse a comma-separated `--select`/`--ignore` value; None when the option was not given."""
    if text is None:
        return None
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a directory)."""
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return pyproject
    return None


def load_config(start: Path) -> AuditConfig:
    """Read `[tool.backend-agent]` from the nearest pyproject.toml, or use the defaults.

    Args:
        start: A checked path; the search walks up from it.

    Raises:
        UsageError: The table holds a key or value we do not understand.
    """
    start = start.resolve()
    pyproject = find_pyproject(start)
    if pyproject is None:
        return AuditConfig(root=start if start.is_dir() else start.parent)
    data = _toml(pyproject)
    table = data.get("tool", {}).get("backend-agent", {})
    config = parse_table(table, pyproject.parent, origin=str(pyproject))
    return replace(config, target_version=_target_version(data, pyproject.parent))


def target_version_in(directory: Path) -> Version | None:
    """The target version declared by the project whose root is `directory`, if any."""
    pyproject = directory / "pyproject.toml"
    data = _toml(pyproject) if pyproject.is_file() else {}
    return _target_version(data, directory)


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from error


class _Table(BaseModel):
    """`[tool.backend-agent]` as written: checked for unknown keys and wrong types."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    select: list[str] | None = None
    extend_select: list[str] = Field(default=[], alias="extend-select")
    ignore: list[str] | None = None
    per_file_ignores: dict[str, list[str]] = Field(default={}, alias="per-file-ignores")
    exclude: list[str] | None = None
    extend_exclude: list[str] = Field(default=[], alias="extend-exclude")
    unsafe_fixes: StrictBool = Field(default=False, alias="unsafe-fixes")
    layers: dict[str, list[str]] = {}
    layer_order: list[str] | None = Field(default=None, alias="layer-order")


def parse_table(
    table: Mapping[str, Any], root: Path, *, origin: str = "pyproject.toml"
) -> AuditConfig:
    """Build a config from the `[tool.backend-agent]` table.

    Args:
        table: The table's contents as parsed TOML.
        root: The directory patterns are relative to.
        origin: Named in error messages.

    Raises:
        UsageError: An unknown key, a value of the wrong type, or an unknown code.
    """
    where = f"[tool.backend-agent] in {origin}"
    try:
        parsed = _Table.model_validate(table)
    except ValidationError as error:
        raise UsageError(_explain(error, where)) from None
    select = tuple(parsed.select or DEFAULT_SELECT) + tuple(parsed.extend_select)
    ignore = tuple(parsed.ignore) if parsed.ignore is not None else DEFAULT_IGNORE
    per_file = {pattern: tuple(codes) for pattern, codes in parsed.per_file_ignores.items()}
    validate_codes([*select, *ignore, *(c for codes in per_file.values() for c in codes)], where)
    layers = {**DEFAULT_LAYERS, **{name: tuple(dirs) for name, dirs in parsed.layers.items()}}
    order = DEFAULT_LAYER_ORDER
    if parsed.layer_order is not None:
        order = tuple(
            tuple(part.strip() for part in level.split("|")) for level in parsed.layer_order
        )
        missing = sorted({name for level in order for name in level} - set(layers))
        if missing:
            raise UsageError(
                f"layer `{missing[0]}` in `layer-order` of {where} has no entry in "
                "[tool.backend-agent.layers]"
            )
    return AuditConfig(
        root=root,
        select=select,
        ignore=ignore,
        per_file_ignores=per_file,
        exclude=tuple(parsed.exclude or DEFAULT_EXCLUDE) + tuple(parsed.extend_exclude),
        unsafe_fixes=parsed.unsafe_fixes,
        layers=layers,
        layer_order=order,
    )


def _explain(error: ValidationError, where: str) -> str:
    """The first problem of the table as one line naming the key."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        known = sorted(info.alias or name for name, info in _Table.model_fields.items())
        return f"unknown key `{key}` in {where}; known keys: {', '.join(known)}"
    return f"`{key}` in {where}: {first['msg'].lower()}"


_RUFF_TARGET = re.compile(r"^py3(?P<minor>[0-9]+)$")
_POETRY_CARET = re.compile(r"^\s*[\^~](?!=)")
_MINORS = range(0, 20)


def _target_version(pyproject: Mapping[str, Any], root: Path) -> Version | None:
    """The oldest Python the project supports, as ruff decides it.

    ruff's `target-version` (ruff.toml, .ruff.toml, then `[tool.ruff]`), else the lower
    bound of `requires-python` (or Poetry's `python` dependency).
    """
    ruff_tables = [
        _toml(root / name) for name in ("ruff.toml", ".ruff.toml") if (root / name).is_file()
    ]
    ruff_tables.append(pyproject.get("tool", {}).get("ruff", {}))
    for table in ruff_tables:
        match = _RUFF_TARGET.match(str(table.get("target-version", "")))
        if match:
            return (3, int(match.group("minor")))
    requires = pyproject.get("project", {}).get("requires-python")
    if requires is None:
        poetry = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
        requires = poetry.get("python")
        if isinstance(requires, str):
            requires = _POETRY_CARET.sub(">=", requires)
    if not isinstance(requires, str):
        return None
    try:
        specifier = SpecifierSet(requires)
    except InvalidSpecifier:
        return None
    return next(((3, minor) for minor in _MINORS if f"3.{minor}" in specifier), None)
