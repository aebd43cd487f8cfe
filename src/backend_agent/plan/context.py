"""What the templates of one resource need, derived from the blueprint."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

from backend_agent.blueprint import Blueprint, FieldSpec, FieldType, Operation, Resource, Store
from backend_agent.blueprint.access import Access
from backend_agent.blueprint.model import DELETED_AT
from backend_agent.plan.links import Link
from backend_agent.plan.python_types import PythonField
from backend_agent.plan.queries import ListQuery
from backend_agent.plan.samples import example_value, invalid_example, valid_expression

_GROUP_TYPES = {
    FieldType.BOOL: "bool",
    FieldType.INT: "int",
    FieldType.REF: "int",
    FieldType.STR: "str",
}
"""What a counted value is, for the grouped types that are not enums (those are their class)."""
_ACTS_AS = {"count": "update", "move": "update", "stats": "list"}
"""Actions (`count` a counter, `move` a state, `stats`) and the operation each acts as."""
_GUARDS = {Access.AUTHENTICATED: "Depends(get_caller)", Access.ADMIN: "Depends(get_admin)"}


@dataclass(frozen=True)
class InvalidValue:
    name: str
    invalid: str


@dataclass(frozen=True)
class SampledField:
    """A field with the value the test factory sends for it."""

    field: PythonField
    sample: str

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def spec(self) -> FieldSpec:
        return self.field.spec


@dataclass(frozen=True)
class ResourceContext:
    """A resource and everything its templates place: names, fields, test cases."""

    r: Resource
    blueprint: Blueprint

    @property
    def table(self) -> str:
        return self.r.plural

    @property
    def is_mongo(self) -> bool:
        return self.r.store is Store.MONGO

    @property
    def id_type(self) -> str:
        """MongoDB ids travel as strings (ObjectId hex), PostgreSQL ids as integers."""
        return "str" if self.is_mongo else "Id"

    @property
    def unknown_id(self) -> str:
        """An id of the right shape that names nothing."""
        return "0123456789abcdef01234567" if self.is_mongo else "999999"

    @property
    def mongo_referrers(self) -> list[tuple[Resource, FieldSpec]]:
        """MongoDB resources whose documents belong to rows of this (PostgreSQL) resource."""
        return [(r, f) for r, f in self.referrers if r.store is Store.MONGO]

    def error_codes(self, operation: str) -> list[int]:
        """The error statuses (besides 422) a route of `operation` can answer, for OpenAPI."""
        writes = operation in ("create", "update", "bulk")
        level = self.level(operation)
        conflicts = {
            "create": True,  # an Idempotency-Key sent again with another body
            "update": bool(self.uniques or self.refs or self.states),
            "bulk": bool(self.uniques or self.refs),
            "delete": not self.r.soft_delete
            and any(r.store is Store.POSTGRES for r, _ in self.referrers),
            "purge": any(r.store is Store.POSTGRES for r, _ in self.referrers),
            "restore": bool(self.uniques),
            "count": True,  # a counter at the column's limit
            "move": True,  # a move its transitions do not allow
        }.get(operation, False)
        codes = [400] if writes else []
        codes += [401] if level is not Access.PUBLIC else []
        codes += [403] if level is Access.ADMIN else []
        codes += (
            [404]
            if operation in ("read", "update", "delete", "restore", "purge", "count", "move")
            else []
        )
        codes += [409] if conflicts else []
        codes += [413] if writes else []
        return [*codes, 503]

    def link_error_codes(self, route: str) -> list[int]:
        """The error statuses of a link route (`list`, `link`, `unlink`): listing follows the
        resource's read access, the others its update access; a link whose target row is
        deleted at that moment is a conflict (PostgreSQL's foreign key)."""
        level = self.level("read" if route == "list" else "update")
        codes = [401] if level is not Access.PUBLIC else []
        codes += [403] if level is Access.ADMIN else []
        codes += [404]
        codes += [409] if route == "link" and not self.is_mongo else []
        return [*codes, 503]

    # Access ---------------------------------------------------------------------------

    @property
    def auth(self) -> bool:
        """Whether the project has accounts (and so callers, tokens and access levels)."""
        return self.blueprint.auth is not None

    @property
    def is_account(self) -> bool:
        """The resource people register as: its rows own themselves."""
        return self.blueprint.is_account(self.r)

    def level(self, operation: str) -> Access:
        """Who may call `operation`: restoring and purging soft-deleted rows is for
        administrators (for anyone, like every route, in a project without accounts); an
        action is allowed to whom its operation is (counting and moving change a row like an
        update; stats read like a list)."""
        if operation in ("restore", "purge"):
            return Access.ADMIN if self.auth else Access.PUBLIC
        return self.blueprint.access(self.r, _ACTS_AS.get(operation, operation))

    @property
    def levels(self) -> list[tuple[str, Access]]:
        """Each operation with who may call it, in the order of the resource's operations."""
        return [(operation.value, self.level(operation)) for operation in self.r.ops]

    @property
    def owner(self) -> PythonField | None:
        """The field holding each row's owning account, for owner access (None for the account
        itself, which owns its own row)."""
        return next((field for field in self.all_fields if field.owner), None)

    @property
    def scoped(self) -> bool:
        """Whether services narrow reads and writes to one account's rows (`owner=`)."""
        return self.owner is not None or (
            self.is_account and any(level is Access.OWNER for _, level in self.levels)
        )

    def guard(self, operation: str) -> str | None:
        """The route decorator's dependency that lets callers in, when the handler does not
        take the caller itself: any account, or administrators only."""
        if self.caller(operation) is not None:
            return None
        return _GUARDS.get(self.level(operation))

    def caller(self, operation: str) -> str | None:
        """The handler's caller parameter, when the caller's id matters: it owns a new row,
        or it narrows an owner-level operation to its own rows."""
        if operation in ("create", "bulk") and self.owner is not None:
            return "caller: CallerDep"
        return "caller: CallerDep" if self.level(operation) is Access.OWNER else None

    def owner_argument(self, operation: str) -> str | None:
        """What a route (or a tool, with `deps.`) passes as the service's `owner`."""
        if self.caller(operation) is None:
            return None
        creates = operation in ("create", "bulk")
        return "owner=caller.id" if creates else "owner=owner_scope(caller)"

    def key_dependency(self, operation: str) -> str:
        """A create's Idempotency-Key: the caller's own when there is a caller."""
        return "IdempotencyKeyDep" if self.level(operation) is Access.PUBLIC else "CallerKeyDep"

    def public_write(self, operation: str) -> bool:
        """A route that changes data, open to anyone in a project with accounts: on purpose,
        which the auditor is told."""
        changes = operation not in ("read", "list")
        return self.auth and changes and self.level(operation) is Access.PUBLIC

    @property
    def register_example(self) -> str:
        """A registration's JSON body for the README: the account's required fields and a
        password."""
        values = {field.name: example_value(field.spec) for field in self.required}
        return json.dumps(values | {"password": "correct horse battery staple"})

    @property
    def owner_unique(self) -> bool:
        """One row per account: a second one of the same owner is a conflict."""
        return self.owner is not None and self.owner.spec.unique

    def deps(self, operation: str) -> list[tuple[str, str]]:
        """The handles (name, dependency alias) a route passes to the service, in order."""
        if not self.is_mongo:
            if operation in ("read", "list", "stats"):
                return [("session", "ReadSessionDep")]
            removes = operation == "purge" or (operation == "delete" and not self.r.soft_delete)
            wants_mongo = removes and bool(self.mongo_referrers)
            return [("session", "SessionDep")] + ([("database", "MongoDep")] if wants_mongo else [])
        checks_refs = operation in ("create", "update", "bulk") and bool(self.refs)
        return [("database", "MongoDep")] + ([("session", "SessionDep")] if checks_refs else [])

    @property
    def path(self) -> str:
        return self.r.plural.replace("_", "-")

    @cached_property
    def fields(self) -> list[SampledField]:
        """The fields a client writes, with the values the test factory sends."""
        return [
            SampledField(field, valid_expression(field.spec))
            for field in self.all_fields
            if field.spec.type is not FieldType.REF and not field.server_set
        ] + [SampledField(field, "") for field in self.stored_refs if not field.owner]

    @property
    def python_fields(self) -> list[PythonField]:
        """The fields a client writes: the input schemas."""
        return [sampled.field for sampled in self.fields]

    @cached_property
    def all_fields(self) -> list[PythonField]:
        """Every stored field: the table, the documents and the Read schema."""
        owner = self.blueprint.owner_field(self.r)
        states = self.r.state_fields
        return [
            PythonField(spec, self.r, owner=spec == owner, state=spec in states)
            for spec in self.r.stored_fields
        ]

    @property
    def update_fields(self) -> list[PythonField]:
        """The fields a PATCH may change: what a client writes, and the state fields, which
        move only along their transitions."""
        return self.python_fields + self.states

    @property
    def states(self) -> list[PythonField]:
        """The enum fields with transitions."""
        return [field for field in self.all_fields if field.state]

    @property
    def counters(self) -> list[PythonField]:
        return [field for field in self.all_fields if field.spec.counter]

    @property
    def groups(self) -> list[PythonField]:
        """The fields `GET /things/stats?group_by=` counts rows by."""
        return [field for field in self.all_fields if field.spec.group]

    @property
    def group_value_type(self) -> str:
        """What a value of the grouped fields is in an answer of GET /things/stats."""
        types = dict.fromkeys(
            _GROUP_TYPES.get(f.spec.type) or f.enum_class or "str" for f in self.groups
        )
        if any(field.spec.optional for field in self.groups):
            types["None"] = None
        return " | ".join(types)

    @property
    def has_actions(self) -> bool:
        """Whether it counts, moves states or answers stats: routes beyond CRUD."""
        return bool(self.counters or self.states or self.groups)

    @property
    def action_urls(self) -> list[tuple[str, str, str]]:
        """Each action route (the action, a name for its tests, a URL below the resource's
        path; an f-string part naming a stored row `<snake>` but for stats)."""
        row = f"{{{self.r.snake}['id']}}"
        urls = [("count", f.name, f"{row}/{f.name}") for f in self.counters]
        urls += [
            ("move", f"{f.name}_move", f"{row}/{f.name}/{f.spec.default}") for f in self.states
        ]
        urls += [("stats", "grouped_stats", f"stats?group_by={f.name}") for f in self.groups[:1]]
        return urls

    @property
    def action_summaries(self) -> list[str]:
        """One line of the project's README per action route."""
        item = f"/{self.path}/{{id}}"
        lines = [f"`POST {item}/{f.name}[?by=n]` adds to {f.name}" for f in self.counters]
        for state in self.states:
            moves = ", ".join(
                f"{source} -> {target}"
                for source, targets in self.moves(state)
                for target in targets
            )
            lines.append(
                f"`POST {item}/{state.name}/{{value}}` moves {state.name} along {moves} "
                f"(new rows start as {state.spec.default})"
            )
        if self.groups:
            keys = "|".join(field.name for field in self.groups)
            lines.append(f"`GET /{self.path}/stats?group_by={keys}` counts per value")
        return lines

    def moves(self, state: PythonField) -> list[tuple[str, list[str]]]:
        """Each value of a state field with the values it may move to."""
        transitions = [t for t in self.r.transitions if t.field == state.spec.name]
        return [
            (choice, [t.target for t in transitions if t.source == choice])
            for choice in state.spec.choices
        ]

    @property
    def soft_delete(self) -> bool:
        return self.r.soft_delete

    @cached_property
    def deleted_at(self) -> PythonField | None:
        """The column soft delete keeps (None while the row lives), in no schema of the API."""
        return PythonField(DELETED_AT, self.r) if self.r.soft_delete else None

    @property
    def partial_uniques(self) -> list[PythonField]:
        """Unique among the rows not deleted: unique indexes `WHERE deleted_at IS NULL`."""
        return [field for field in self.all_fields if field.partial_unique]

    @property
    def stored_refs(self) -> list[PythonField]:
        """Every ref, the owner's included: documents are deleted with the row they refer to."""
        return [field for field in self.all_fields if field.spec.type is FieldType.REF]

    @cached_property
    def query(self) -> ListQuery:
        """The filters and sort keys its list takes."""
        return ListQuery(self.r, self.all_fields)

    @property
    def server_fields(self) -> list[PythonField]:
        """Fields the server sets when a row is stored (`default=now`)."""
        return [field for field in self.all_fields if field.server_set]

    @property
    def refs(self) -> list[PythonField]:
        return [field for field in self.python_fields if field.spec.type is FieldType.REF]

    @property
    def hostile(self) -> list[tuple[PythonField, str]]:
        """Values JSON carries and Python reads that no database keeps as sent, one per kind
        of field: (field, Python expression of the value)."""
        values = {
            FieldType.STR: '"\\ud800"',
            FieldType.TEXT: '"\\ud800"',
            FieldType.FLOAT: 'float("nan")',
            FieldType.DATETIME: '"9999-12-31T23:59:59-14:00"',
            FieldType.JSON: '{"key": float("inf")}',
        }
        found: dict[FieldType, PythonField] = {}
        for field in self.python_fields:
            found.setdefault(field.spec.type, field)
        return [(field, values[kind]) for kind, field in found.items() if kind in values]

    @property
    def bson_types(self) -> list[tuple[str, str]]:
        """MongoDB fields whose stored BSON type the tests check: (name, Python class the
        driver reads it as without the app's codecs)."""
        if not self.is_mongo:
            return []
        classes = {
            FieldType.DATE: "datetime",
            FieldType.DATETIME: "datetime",
            FieldType.DECIMAL: "Decimal128",
            FieldType.UUID: "Binary",
        }
        return [(f.name, classes[f.spec.type]) for f in self.all_fields if f.spec.type in classes]

    @property
    def required_refs(self) -> list[PythonField]:
        """Refs a payload must carry (the factories create their rows; optional refs stay
        empty, so refs that lead back to their resource end)."""
        return [field for field in self.refs if not field.spec.optional]

    @property
    def model_imports(self) -> list[str]:
        lines = (
            set()
            if self.is_mongo
            else {
                "from pydantic import BaseModel, ConfigDict",
                "from sqlmodel import Field, SQLModel",
            }
        )
        table_only = [self.deleted_at] if self.deleted_at and not self.is_mongo else []
        for field in self.all_fields + table_only:
            lines.update(line for line in field.imports() if not self.is_mongo or "sql" not in line)
        if self.lists_by_query:
            lines.update(self.query.imports)
        if (self.query.trigram_fields or self.partial_uniques) and not self.is_mongo:
            lines.add("import sqlalchemy as sa")
        if self.groups:
            lines.update({"from typing import Literal", "from pydantic import BaseModel"})
        return sorted(lines)

    @property
    def lists_by_query(self) -> bool:
        """Whether its list takes filters or sort keys (a `ListQuery` model of its own)."""
        return self.r.has(Operation.LIST) and self.query.wanted

    @property
    def required(self) -> list[PythonField]:
        return [
            field
            for field in self.python_fields
            if not field.spec.optional and field.spec.default is None
        ]

    @property
    def uniques(self) -> list[PythonField]:
        return [field for field in self.python_fields if field.spec.unique]

    @property
    def invalid(self) -> list[InvalidValue]:
        found = []
        for field in self.python_fields:
            example = invalid_example(field.spec)
            if example is not None:
                found.append(InvalidValue(field.name, example))
        return found

    @property
    def update_field(self) -> PythonField | None:
        return next(
            (field for field in self.python_fields if field.spec.type is not FieldType.REF), None
        )

    @property
    def referrers(self) -> list[tuple[Resource, FieldSpec]]:
        return self.blueprint.referrers(self.r.name)

    @cached_property
    def links(self) -> list[Link]:
        """Its `many` fields, with the resources they link to."""
        return [
            Link(spec, self.r, target)
            for spec in self.r.links
            if (target := self.blueprint.resource(spec.ref or "")) is not None
        ]

    @property
    def id_links(self) -> list[Link]:
        """The links whose ids its Read answers carry (`:ids`)."""
        return [link for link in self.links if link.ids]

    @property
    def linked_by(self) -> list[Link]:
        """The `many` fields of MongoDB resources that link to this one: a deleted document's
        id is taken out of their arrays (PostgreSQL's link tables cascade on their own)."""
        return [
            link
            for context in (ResourceContext(r, self.blueprint) for r in self.blueprint.resources)
            if context.is_mongo
            for link in context.links
            if link.target.name == self.r.name
        ]

    @property
    def referrer_labels(self) -> list[tuple[Resource, FieldSpec, str, str]]:
        """Each referring field with a name for its tests (the referrer's plural, with the
        field added when the referrer has several refs to this resource) and the factory's
        argument that sets it (`owner` for the field naming a row's owner)."""
        names = [referrer.name for referrer, _ in self.referrers]
        return [
            (
                referrer,
                field,
                referrer.plural
                if names.count(referrer.name) == 1
                else f"{referrer.plural}_by_{field.name}",
                "owner" if self.blueprint.owner_field(referrer) == field else field.column,
            )
            for referrer, field in self.referrers
        ]

    @property
    def uses_sequence(self) -> bool:
        """Whether the test factory's payload needs a fresh number `n`."""
        return any(re.search(r"\bn\b", sampled.sample) for sampled in self.fields)
