"""Old blueprint + new blueprint -> the Alembic revision that takes the database between them.

Like Django's makemigrations, the migration is derived from model state (the blueprint the
project was last generated from), so no live database is needed to write it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from backend_agent.blueprint import Blueprint, Resource, Store
from backend_agent.blueprint.names import snake_case
from backend_agent.errors import ProjectError
from backend_agent.plan.context import ResourceContext
from backend_agent.plan.python_types import PythonField
from backend_agent.render import render

VERSIONS_DIR = "migrations/versions"


@dataclass(frozen=True)
class MigrationStep:
    """One schema change; the template writes its upgrade and its downgrade."""

    kind: str
    table: str
    fields: list[PythonField] = field(default_factory=list)


@dataclass(frozen=True)
class Migration:
    path: str
    text: str
    message: str


def schema_steps(old: Blueprint | None, new: Blueprint) -> list[MigrationStep]:
    """The steps from `old` to `new`, in an order the database accepts (referenced tables first)."""
    before = {r.name for r in old.resources if r.store is Store.POSTGRES} if old else set()
    added = [r for r in new.resources if r.store is Store.POSTGRES and r.name not in before]
    return [_create_table(resource, new) for resource in _referenced_first(added)]


def _create_table(resource: Resource, blueprint: Blueprint) -> MigrationStep:
    context = ResourceContext(resource, blueprint)
    return MigrationStep("create_table", context.table, context.python_fields)


def _referenced_first(resources: list[Resource]) -> list[Resource]:
    ordered: list[Resource] = []
    pending = list(resources)
    while pending:
        names = {r.name for r in pending}
        ready = [r for r in pending if not any(f.ref in names - {r.name} for f in r.refs)]
        ordered += ready or pending  # a cycle cannot be created through `add`, keep going
        pending = [r for r in pending if r not in ordered]
    return ordered


def write_migration(steps: list[MigrationStep], existing: dict[str, str]) -> Migration | None:
    """Render the revision after the current head of `existing` (path -> text), if any steps."""
    if not steps:
        return None
    message = "; ".join(f"{step.kind.replace('_', ' ')} {step.table}" for step in steps)
    head = migration_head(existing)
    number = 1 + max((_number(path) for path in existing), default=0)
    revision = f"{number:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", snake_case(message).lower()).strip("_")[:40]
    text = render(
        "migration.py.jinja",
        message=message,
        revision=revision,
        down_revision=head,
        steps=steps,
    )
    return Migration(f"{VERSIONS_DIR}/{revision}_{slug}.py", text, message)


def migration_head(existing: dict[str, str]) -> str | None:
    """The revision no other revision revises (the files are read, not imported)."""
    revisions: dict[str, str | None] = {}
    for path, text in existing.items():
        values = _assignments(text, path)
        if isinstance(values.get("revision"), str):
            revisions[str(values["revision"])] = values.get("down_revision")  # type: ignore[assignment]
    revised = set(revisions.values())
    heads = sorted(revision for revision in revisions if revision not in revised)
    if len(heads) > 1:
        raise ProjectError(
            f"migrations have {len(heads)} heads ({', '.join(heads)}): join them with "
            "`alembic merge heads` first"
        )
    return heads[0] if heads else None


def _assignments(text: str, path: str) -> dict[str, object]:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError:
        return {}
    found: dict[str, object] = {}
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (
                node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            )
        )
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            found[target.id] = value.value
    return found


def _number(path: str) -> int:
    match = re.match(r"(\d+)_", path.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else 0
