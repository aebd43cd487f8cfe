"""Random evolution of a project whose tables and collections hold data: the steps a user
takes (add/remove fields and resources, change operations, edit backend.toml and apply),
each migrated and checked, and rows of every resource stored between steps.

Shared by the evolution fuzzer in the suite and `bench/fuzz_evolution.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from bson.decimal128 import Decimal128
from hypothesis import strategies as st
from pymongo import AsyncMongoClient

from backend_agent import operations
from backend_agent.blueprint import Blueprint, FieldSpec, FieldType, Resource, Store, load_blueprint
from backend_agent.blueprint.fields import SEARCHABLE, SORTABLE
from backend_agent.errors import BackendAgentError
from backend_agent.plan.samples import valid_expression
from tests.strategies import FIELD_NAMES, OPERATIONS, PLAIN_TYPES, RESOURCE_NAMES, field_spec

Step = tuple[str, Callable[[Path], object]]
"""A label for the report, and what the step does to the project."""


@dataclass
class Evolving:
    """A project on real databases, and what was stored in it."""

    root: Path
    database_url: str
    mongodb_url: str
    mongodb_database: str
    stored: dict[str, int] = field(default_factory=dict)
    """Rows (documents) stored per resource, to prove none is lost."""
    counter: int = 0
    """Feeds sample values, so unique ones never repeat."""

    @property
    def blueprint(self) -> Blueprint:
        return load_blueprint(self.root).blueprint

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "MONGODB_URL": self.mongodb_url,
            "MONGODB_DATABASE": self.mongodb_database,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def migrate(self) -> str | None:
        """`alembic upgrade head` then `alembic check`; the first failure, or None."""
        for args in (("upgrade", "head"), ("check",)):
            result = self.run("-m", "alembic", *args)
            if result.returncode != 0:
                return f"alembic {' '.join(args)}: {result.stdout[-1500:]}{result.stderr[-1500:]}"
        return None

    def forget_removed(self) -> None:
        """A removed resource's rows went with its table (or collection)."""
        present = {resource.name for resource in self.blueprint.resources}
        self.stored = {name: count for name, count in self.stored.items() if name in present}

    def store_a_row_of_each(self) -> None:
        """One more row in every table and one more document in every collection."""
        asyncio.run(self._store(self.blueprint))

    async def _store(self, blueprint: Blueprint) -> None:
        connection = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.mongodb_url, uuidRepresentation="standard"
        )
        try:
            for resource in _referenced_first(blueprint):
                self.counter += 1
                if resource.store is Store.POSTGRES:
                    row = {
                        spec.column: _column_value(await _row_value(connection, spec, self.counter))
                        for spec in resource.stored_fields
                    }
                    columns = ", ".join(f'"{name}"' for name in row)
                    places = ", ".join(f"${i}" for i in range(1, len(row) + 1))
                    table = f'"{_table(resource)}"'
                    await connection.execute(
                        f"INSERT INTO {table} ({columns}) VALUES ({places})"  # noqa: S608
                        if row
                        else f"INSERT INTO {table} DEFAULT VALUES",
                        *row.values(),
                    )
                else:
                    document = {
                        spec.column: _document_value(
                            await _row_value(connection, spec, self.counter)
                        )
                        for spec in resource.stored_fields
                    }
                    await client[self.mongodb_database][_table(resource)].insert_one(document)
                self.stored[resource.name] = self.stored.get(resource.name, 0) + 1
        finally:
            await connection.close()
            await client.close()

    def read_everything(self) -> str | None:
        """Read every stored row and document through the project's own models; a problem
        (a row the Read schema refuses, a row lost), or None."""
        blueprint = self.blueprint
        script = _READER + "".join(
            f"    await check({resource.name!r}, {resource.snake!r}, "
            f"{resource.store is Store.MONGO}, {self.stored.get(resource.name, 0)})\n"
            for resource in blueprint.resources
        )
        result = self.run("-c", script + "    pass\n\nasyncio.run(main())\n")
        return None if result.returncode == 0 else result.stderr[-3000:]


_READER = textwrap.dedent(
    """
    import asyncio, importlib
    from sqlmodel import select
    from app.core.config import Settings
    from app.db.postgres import Database
    from app.db.session import Session

    settings = Settings.model_validate({})

    async def check(name, snake, mongo, expected):
        module = importlib.import_module(f"app.models.{snake}")
        read = getattr(module, f"{name}Read")
        if mongo:
            from app.db.mongo import create_client
            client = create_client(settings)
            documents = await client[settings.mongodb_database][module.COLLECTION].find().to_list()
            await client.close()
            found = [read.model_validate({**d, "id": str(d["_id"])}) for d in documents]
        else:
            database = Database(settings)
            rows = await Session(database, writes=False).all(select(getattr(module, name)))
            await database.close()
            found = [read.model_validate(row) for row in rows]
        assert len(found) >= expected, (name, len(found), expected)

    async def main():
    """
)


def _table(resource: Resource) -> str:
    return resource.plural


def _referenced_first(blueprint: Blueprint) -> list[Resource]:
    ordered: list[Resource] = []
    pending = list(blueprint.resources)
    while pending:
        done = {r.name for r in ordered}
        ready = [
            r
            for r in pending
            if all(f.optional or f.ref == r.name or f.ref in done for f in r.refs)
        ]
        ordered += ready or pending
        pending = [r for r in pending if r not in ordered]
    return ordered


async def _row_value(connection: asyncpg.Connection, spec: FieldSpec, n: int) -> object:
    """A value the API would accept for `spec`, as the driver takes it."""
    if spec.type is FieldType.REF:
        if spec.optional:
            return None
        table = f'"{Resource(name=spec.ref or "").plural}"'
        return await connection.fetchval(f"SELECT max(id) FROM {table}")  # noqa: S608
    if spec.type is FieldType.DATETIME and spec.default == "now":
        return datetime.now(UTC)
    value = eval(valid_expression(spec), {"n": n})  # noqa: S307
    match spec.type:
        case FieldType.DATE:
            return date.fromisoformat(value)
        case FieldType.DATETIME:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        case FieldType.UUID:
            return UUID(value)
        case FieldType.DECIMAL:
            return Decimal(str(value))
        case FieldType.FLOAT:
            return float(value)
    return value


def _column_value(value: object) -> object:
    """A value as asyncpg takes it for its column (JSON objects as text)."""
    return json.dumps(value) if isinstance(value, dict) else value


def _document_value(value: object) -> object:
    """A value as a document stores it (what the generated app's codecs write)."""
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def start_evolving(
    root: Path, database_url: str, mongodb_url: str, mongodb_database: str
) -> Evolving:
    """A new project (no resources yet) on the given databases."""
    operations.new_project(root)
    return Evolving(root, database_url, mongodb_url, mongodb_database)


def walk(
    project: Evolving,
    draw: Callable[[st.SearchStrategy[Step]], Step],
    *,
    steps: int,
    log: Callable[[str], object],
) -> str | None:
    """Take `steps` drawn steps, migrating and storing rows after each; then read every row
    back and run the chain down to base and up again. The first problem, or None."""
    for number in range(1, steps + 1):
        label, change = draw(evolution_step(project.blueprint))
        log(f"{number}. {label}")
        try:
            change(project.root)
        except BackendAgentError as error:
            return f"{label}: refused: {error}"
        if problem := project.migrate():
            return f"{label}: {problem}"
        project.forget_removed()
        project.store_a_row_of_each()
    if problem := project.read_everything():
        return f"reading the stored rows: {problem}"
    for args in (("downgrade", "base"), ("upgrade", "head"), ("check",)):
        result = project.run("-m", "alembic", *args)
        if result.returncode != 0:
            return f"alembic {' '.join(args)}: {result.stderr[-2000:]}"
    return None


@st.composite
def evolution_step(draw: st.DrawFn, blueprint: Blueprint) -> Step:
    """One change a user could make to the project with `blueprint`."""
    kinds = ["add field", "add resource", "edit and apply"]
    if any(resource.fields for resource in blueprint.resources):
        kinds.append("remove field")
    if _removable(blueprint):
        kinds.append("remove resource")
    if blueprint.resources:
        kinds.append("change operations")
    tables = [r for r in blueprint.resources if r.store is Store.POSTGRES]
    if tables:
        kinds.append("toggle soft delete")
    kind = draw(st.sampled_from(kinds))
    if kind == "add resource" or not blueprint.resources:
        return draw(_add_resource(blueprint))
    if kind == "add field":
        return draw(_add_field(blueprint))
    if kind == "remove field":
        resource = draw(st.sampled_from([r for r in blueprint.resources if r.fields]))
        spec = draw(st.sampled_from(resource.fields))
        return (
            f"remove field {resource.name}.{spec.name}",
            lambda root: operations.remove_field(root, resource.name, spec.name),
        )
    if kind == "remove resource":
        resource = draw(st.sampled_from(_removable(blueprint)))
        return (
            f"remove resource {resource.name}",
            lambda root: operations.remove_resource(root, resource.name),
        )
    if kind == "change operations":
        resource = draw(st.sampled_from(blueprint.resources))
        ops = draw(st.lists(st.sampled_from(OPERATIONS), min_size=1, unique=True))
        return (
            f"change resource {resource.name} --ops {','.join(ops)}",
            lambda root: operations.change_operations(root, resource.name, ops),
        )
    if kind == "toggle soft delete":
        # (A MongoDB resource keeps the setting its documents were stored with.)
        resource = draw(st.sampled_from(tables))
        on = not resource.soft_delete
        return (
            f"change resource {resource.name} --{'' if on else 'no-'}soft-delete",
            lambda root: operations.change_soft_delete(root, resource.name, on),
        )
    return draw(_edit_and_apply(blueprint))


def _removable(blueprint: Blueprint) -> list[Resource]:
    return [
        r
        for r in blueprint.resources
        if all(referrer.name == r.name for referrer, _ in blueprint.referrers(r.name))
    ]


@st.composite
def _new_spec(
    draw: st.DrawFn, resource_store: Store, taken: set[str], *, existing_rows: bool
) -> tuple[str, list[str]]:
    """A field spec that can be added to a resource whose table may hold rows, and the
    --backfill items it needs."""
    name = draw(st.sampled_from([n for n in FIELD_NAMES if n not in taken] or ["spare"]))
    spec = draw(field_spec(name, draw(st.sampled_from(PLAIN_TYPES))))
    parsed = _parse(spec)
    needs_value = existing_rows and not parsed.optional and parsed.default is None
    if needs_value and (parsed.unique or resource_store is Store.MONGO):
        return f"{spec}:optional", []  # no one value fits every row: add it optional
    if needs_value:
        sample = eval(valid_expression(parsed), {"n": 1})  # noqa: S307
        text = json.dumps(sample) if isinstance(sample, list | dict) else str(sample)
        return spec, [f"{name}={text}"]
    return spec, []


def _parse(spec: str) -> FieldSpec:
    from backend_agent.blueprint import parse_field

    return parse_field(spec)


@st.composite
def _add_field(draw: st.DrawFn, blueprint: Blueprint) -> Step:
    resource = draw(st.sampled_from(blueprint.resources))
    taken = {f.name for f in resource.stored_fields} | {f.column for f in resource.fields}
    spec, backfill = draw(_new_spec(resource.store, taken, existing_rows=True))
    return (
        f"add field {resource.name} {spec}" + (f" --backfill {backfill[0]}" if backfill else ""),
        lambda root: operations.add_field(root, resource.name, [spec], backfill=backfill),
    )


@st.composite
def _add_resource(draw: st.DrawFn, blueprint: Blueprint) -> Step:
    taken = {r.name for r in blueprint.resources}
    name = draw(st.sampled_from([n for n in RESOURCE_NAMES if n not in taken] or ["Spare"]))
    store = draw(st.sampled_from([Store.POSTGRES, Store.MONGO]))
    timestamps = draw(st.booleans())
    fields: list[str] = []
    names: set[str] = {"created_at", "updated_at"} if timestamps else set()
    for _ in range(draw(st.integers(0, 3))):
        spec, _ = draw(_new_spec(store, names, existing_rows=False))
        names.add(spec.split(":")[0])
        fields.append(spec)
    tables = [r for r in blueprint.resources if r.store is Store.POSTGRES]
    if tables and draw(st.booleans()):
        target = draw(st.sampled_from(tables))
        optional = ":optional" if draw(st.booleans()) else ""
        fields.append(f"ref_{target.snake}:ref({target.name}){optional}")
    ops = ["create", "read", "list", "update", "delete"]
    return (
        f"add resource {name} {' '.join(fields)} --store {store.value}"
        + ("" if timestamps else " --no-timestamps"),
        lambda root: operations.add_resource(
            root, name, fields, store=store.value, ops=ops, timestamps=timestamps
        ),
    )


@st.composite
def _edit_and_apply(draw: st.DrawFn, blueprint: Blueprint) -> Step:
    """A hand edit of one field in backend.toml, then `apply`."""
    candidates = [(r, f) for r in blueprint.resources for f in r.fields]
    if not candidates:
        return draw(_add_resource(blueprint))
    resource, spec = draw(st.sampled_from(candidates))
    edits: dict[str, FieldSpec] = {}
    if (
        spec.optional
        and not spec.unique
        and resource.store is Store.POSTGRES
        and spec.type is not FieldType.REF
    ):
        edits["make required"] = spec.model_copy(update={"optional": False})
    if not spec.optional and not spec.counter:  # a counter is never empty
        edits["make optional"] = spec.model_copy(update={"optional": True})
    if spec.unique:
        edits["drop unique"] = spec.model_copy(update={"unique": False})
    if spec.type not in (FieldType.JSON, FieldType.LIST_STR, FieldType.TEXT):
        edits["toggle index"] = spec.model_copy(update={"index": not spec.index})
    if spec.type in SORTABLE:
        edits["toggle sort"] = spec.model_copy(update={"sort": not spec.sort})
    if spec.type in SEARCHABLE:
        edits["toggle search"] = spec.model_copy(update={"search": not spec.search})
    if spec.type is FieldType.STR and spec.max is not None:
        edits["widen"] = spec.model_copy(update={"max": spec.max + 50})
    if not edits:
        return draw(_add_field(blueprint))
    label = draw(st.sampled_from(sorted(edits)))
    edited = edits[label]
    backfill: list[str] = []
    if label == "make required":
        sample = eval(valid_expression(edited), {"n": 1})  # noqa: S307
        value = json.dumps(sample) if isinstance(sample, list | dict) else str(sample)
        backfill = [f"{resource.name}.{edited.name}={value}"]

    def edit(root: Path) -> object:
        path = root / "backend.toml"
        text = path.read_text()
        old, new = json.dumps(spec.to_spec()), json.dumps(edited.to_spec())
        assert old in text, (old, text)
        path.write_text(text.replace(old, new))
        return operations.apply(root, backfill=backfill)

    return f"edit {resource.name}.{spec.name}: {label}, apply", edit
