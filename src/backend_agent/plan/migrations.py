"""Old blueprint + new blueprint -> the Alembic revision that takes the database between them.

Like Django's makemigrations, the migration is derived from model state (the blueprint the
project was last generated from), so no live database is needed to write it. Every step has
an upgrade and a downgrade; steps that would fail on a table with rows (a new required
column without a default) are refused before anything is written.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

from backend_agent.blueprint import Blueprint, FieldSpec, FieldType, Resource, Store
from backend_agent.blueprint.fields import parse_backfill
from backend_agent.blueprint.names import snake_case
from backend_agent.errors import BlueprintError, ProjectError
from backend_agent.plan.context import ResourceContext
from backend_agent.plan.links import Link
from backend_agent.plan.python_types import PythonField
from backend_agent.render import render

VERSIONS_DIR = "migrations/versions"
# Types whose column only changes in length when the field changes (VARCHAR(n)).
_LENGTH_ONLY = frozenset({FieldType.STR, FieldType.EMAIL, FieldType.URL, FieldType.ENUM})


@dataclass(frozen=True)
class MigrationStep:
    """One schema change; the template writes its upgrade and its downgrade."""

    kind: str
    """create_table, drop_table, add_column, drop_column, alter_column, add_foreign_key,
    create_keys_table, purge_deleted (the rows soft delete kept, when it is turned off),
    create_link_table, drop_link_table."""
    table: str
    fields: list[PythonField] = field(default_factory=list)
    """All columns of the table, for create_table and drop_table."""
    new: PythonField | None = None
    """The column after the change (add_column, alter_column)."""
    old: PythonField | None = None
    """The column before the change (drop_column, alter_column)."""
    backfill: str | None = None
    """A Python literal stored in existing rows where the new column needs a value."""
    deferred: list[str] = field(default_factory=list)
    """Columns of a new table whose foreign key is added once later tables exist."""
    link: Link | None = None
    """The `many` field whose table of links is created or dropped."""

    @property
    def description(self) -> str:
        column = self.new or self.old
        where = f"{self.table}.{column.name}" if column is not None else self.table
        return f"{self.kind.replace('_', ' ')} {where}"


@dataclass(frozen=True)
class Migration:
    path: str
    text: str
    message: str


KEYS_TABLE = "idempotency_keys"
"""The table every project keeps its creates' idempotency keys in (app/models/idempotency.py)."""
KEYS_MODEL = "app/models/idempotency.py"


def schema_steps(
    old: Blueprint | None,
    new: Blueprint,
    *,
    backfill: dict[str, str] | None = None,
    keys_table: bool = True,
) -> list[MigrationStep]:
    """The steps from `old` to `new`, in an order the database accepts.

    `backfill` maps "Resource.field" to the value existing rows get for a new required field
    that has no default of its own. `keys_table` says whether the idempotency table exists
    already (projects made before it get it in their next revision).
    """
    keys = [] if keys_table else [MigrationStep("create_keys_table", KEYS_TABLE)]
    return _resource_steps(old, new, backfill) + keys


def _resource_steps(
    old: Blueprint | None, new: Blueprint, backfill: dict[str, str] | None
) -> list[MigrationStep]:
    backfill = backfill or {}
    if old is not None:
        _check_documents(old, new)
    before = {r.name: r for r in old.resources if r.store is Store.POSTGRES} if old else {}
    after = {r.name: r for r in new.resources if r.store is Store.POSTGRES}
    created = [after[name] for name in after if name not in before]
    dropped = [before[name] for name in before if name not in after]
    steps = _create_steps(_referenced_first(created), new)
    for name in after.keys() & before.keys():
        steps += _column_steps(before[name], after[name], old, new, backfill)  # type: ignore[arg-type]
    steps += _link_steps(old, new)
    steps += [
        _table_step("drop_table", r, old)  # type: ignore[arg-type]
        for r in reversed(_referenced_first(dropped))
    ]
    return steps


def _link_steps(old: Blueprint | None, new: Blueprint) -> list[MigrationStep]:
    """Tables of links made once both their tables exist, and dropped before either is."""
    before = _links(old) if old is not None else {}
    after = _links(new)
    created = [
        MigrationStep("create_link_table", link.table, link=link)
        for key, link in after.items()
        if key not in before
    ]
    dropped = [
        MigrationStep("drop_link_table", link.table, link=link)
        for key, link in before.items()
        if key not in after
    ]
    return created + dropped


def _links(blueprint: Blueprint) -> dict[tuple[str, str, str], Link]:
    """The PostgreSQL links of a blueprint, by owner, field and target."""
    return {
        (owner.name, spec.name, target.name): Link(spec, owner, target)
        for owner in blueprint.resources
        if owner.store is Store.POSTGRES
        for spec in owner.links
        if (target := blueprint.resource(spec.ref or "")) is not None
    }


def _create_steps(ordered: list[Resource], blueprint: Blueprint) -> list[MigrationStep]:
    """Create tables referenced first; a ref to a table created later in the same revision
    (a loop through optional refs) gets its foreign key once both tables exist."""
    steps: list[MigrationStep] = []
    later_keys: list[MigrationStep] = []
    for index, resource in enumerate(ordered):
        later = {r.name for r in ordered[index + 1 :]}
        step = _table_step("create_table", resource, blueprint)
        deferred = [f for f in step.fields if f.spec.ref in later]
        steps.append(replace(step, deferred=[f.name for f in deferred]))
        later_keys += [MigrationStep("add_foreign_key", step.table, new=f) for f in deferred]
    return steps + later_keys


def _table_step(kind: str, resource: Resource, blueprint: Blueprint) -> MigrationStep:
    columns = [PythonField(spec, resource) for spec in blueprint.stored_fields(resource)]
    return MigrationStep(kind, ResourceContext(resource, blueprint).table, columns)


def _column_steps(
    before: Resource, after: Resource, old: Blueprint, new: Blueprint, backfill: dict[str, str]
) -> list[MigrationStep]:
    table = ResourceContext(after, new).table
    old_fields = {f.name: PythonField(f, before) for f in old.stored_fields(before)}
    new_fields = {f.name: PythonField(f, after) for f in new.stored_fields(after)}
    steps: list[MigrationStep] = []
    if before.soft_delete and not after.soft_delete:
        # Before unique constraints return: deleted rows may repeat values of live ones.
        steps.append(MigrationStep("purge_deleted", table))
    # `deleted_at` first: the unique indexes soft delete swaps in are conditions on it.
    for name, field_after in sorted(new_fields.items(), key=lambda item: item[0] != "deleted_at"):
        field_before = old_fields.get(name)
        if field_before is None:
            value = _backfill(
                after, field_after.spec, backfill, needed=not field_after.spec.optional
            )
            steps.append(MigrationStep("add_column", table, new=field_after, backfill=value))
        elif _shape(field_before) != _shape(field_after):
            steps += _alter(table, after, field_before, field_after, backfill)
    steps += [
        MigrationStep("drop_column", table, old=field_before)
        for name, field_before in old_fields.items()
        if name not in new_fields
    ]
    return steps


def _shape(field: PythonField) -> tuple[object, ...]:
    """What a column change compares: the field, and what the database keeps for it (soft
    delete swaps a unique constraint for a partial unique index with the field unchanged)."""
    return (field.spec, field.sql_shape)


def _alter(
    table: str,
    resource: Resource,
    before: PythonField,
    after: PythonField,
    backfill: dict[str, str],
) -> list[MigrationStep]:
    old_spec, new_spec = before.spec, after.spec
    same_type = old_spec.type is new_spec.type and old_spec.ref == new_spec.ref
    resized = old_spec.type in _LENGTH_ONLY and new_spec.type in _LENGTH_ONLY
    if not same_type and not resized:
        raise BlueprintError(
            f"changing {resource.name}.{new_spec.name} from {old_spec.type} to {new_spec.type} "
            "is not supported: add a new field, move the data, then remove the old one"
        )
    if before.column_type == after.column_type and before.sql_shape == after.sql_shape:
        return []
    value = None
    if old_spec.optional and not new_spec.optional and not new_spec.unique:
        # (Unique values cannot be filled with one value: the rows must already have theirs.)
        value = _backfill(resource, new_spec, backfill, needed=True)
    return [MigrationStep("alter_column", table, new=after, old=before, backfill=value)]


def _backfill(
    resource: Resource, spec: FieldSpec, backfill: dict[str, str], *, needed: bool
) -> str | None:
    """The value existing rows get, as a Python expression in the migration, or a refusal
    naming what to do."""
    key = f"{resource.name}.{spec.name}"
    if spec.unique and (needed or key in backfill):
        raise BlueprintError(
            f"{key} is unique, so one value for every stored row would collide: add it "
            f"as {spec.name}:...:optional, give each row its own value, then drop :optional "
            "in backend.toml and run `backend-agent apply`"
        )
    if key in backfill:
        return _sql_value(PythonField(spec, resource), parse_backfill(spec, backfill[key]))
    if not needed:
        return None
    if spec.default == "now":
        return "now"
    if spec.default is not None:
        return repr(spec.default)
    example = {FieldType.LIST_STR: "'[]'", FieldType.JSON: "'{}'"}.get(spec.type, "VALUE")
    raise BlueprintError(
        f"{key} is required but rows stored before it have no value: give it a default "
        f"(:default=VALUE), make it :optional, or pass --backfill {spec.name}={example}"
    )


def _sql_value(field: PythonField, value: object) -> str:
    """A backfill value as the migration writes it: typed where the driver needs the type."""
    if field.spec.type in (FieldType.LIST_STR, FieldType.JSON):
        return f"sa.literal({value!r}, {field.column_type})"
    if field.spec.type in (FieldType.DATE, FieldType.DATETIME, FieldType.UUID):
        return f"sa.cast(sa.literal({str(value)!r}), {field.column_type})"
    return repr(value)


def _check_documents(old: Blueprint, new: Blueprint) -> None:
    """Documents stored before a field existed must still read: a new required field of a
    MongoDB resource needs a default (documents without it read as that default)."""
    for resource in new.resources:
        before = old.resource(resource.name)
        if resource.store is not Store.MONGO or before is None:
            continue
        if resource.timestamps and not before.timestamps:
            raise BlueprintError(
                f"{resource.name}: documents stored before timestamps were kept have none, "
                "so they could not be read; keep timestamps = false for this resource"
            )
        if before.soft_delete and not resource.soft_delete:
            raise BlueprintError(
                f"{resource.name}: documents deleted with soft delete would read as live "
                "again (MongoDB has no migration to remove them); keep soft_delete = true"
            )
        uniques = any(spec.unique for spec in resource.fields)
        if resource.soft_delete and not before.soft_delete and uniques:
            raise BlueprintError(
                f"{resource.name}: documents stored before soft delete have no deleted_at, so "
                "its unique indexes (over documents not deleted) would not cover them; keep "
                "soft_delete = false for this resource"
            )
        # (A document stored before a many field existed has no links: it reads as such.)
        for spec in (spec for spec in resource.fields if spec not in resource.links):
            was = before.field(spec.name)
            newly_required = was is None or was.optional
            if newly_required and not spec.optional and spec.default in (None, "now"):
                raise BlueprintError(
                    f"{resource.name}.{spec.name} is required but documents stored before it "
                    "have no value: give it a default (:default=VALUE) or make it :optional"
                )


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
    message = "; ".join(step.description for step in steps)
    if len(message) > 60:
        message = f"{steps[0].description} and {len(steps) - 1} more"
    head = migration_head(existing)
    number = 1 + max((_number(path) for path in existing), default=0)
    revision = f"{number:04d}"
    slug = _slug(message)
    text = render(
        "migration.py.jinja",
        message=message,
        revision=revision,
        down_revision=head,
        steps=steps,
    )
    # Macros that had nothing to say leave blank lines inside the functions: drop them.
    text = re.sub(r"\n[ \t]*\n(?=[ \t]+\S)", "\n", text)
    return Migration(f"{VERSIONS_DIR}/{revision}_{slug}.py", text, message)


SLUG_LENGTH = 40


def _slug(message: str) -> str:
    """The file-name part of a message: snake_case, cut at a word boundary."""
    words = re.sub(r"[^a-z0-9]+", "_", snake_case(message).lower()).strip("_").split("_")
    slug = words[0][:SLUG_LENGTH]
    for word in words[1:]:
        if len(slug) + 1 + len(word) > SLUG_LENGTH:
            break
        slug = f"{slug}_{word}"
    return slug


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
