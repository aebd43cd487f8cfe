"""The typed blueprint: a project, its resources and their fields, validated as a whole."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from backend_agent.blueprint.access import (
    ACCOUNT_COLUMNS,
    Access,
    AccessRules,
    Auth,
    check_access,
    owner_ref,
    parse_access,
)
from backend_agent.blueprint.actions import (
    Transition,
    check_actions,
    parse_transition_option,
    parse_transitions,
)
from backend_agent.blueprint.agents import AgentSpec, agents_from_data, check_agents
from backend_agent.blueprint.fields import FieldSpec, FieldType, parse_field
from backend_agent.blueprint.names import (
    SNAKE_NAME,
    check_resource_name,
    plural,
    snake_case,
)
from backend_agent.blueprint.queries import check_queries
from backend_agent.errors import BlueprintError
from backend_agent.stores import Store


class Operation(StrEnum):
    """The HTTP operations a resource exposes."""

    CREATE = "create"
    READ = "read"
    LIST = "list"
    UPDATE = "update"
    DELETE = "delete"
    BULK = "bulk"
    """`POST /things/bulk`: many creates in one transaction, all or nothing."""


ALL_OPERATIONS = (
    Operation.CREATE,
    Operation.READ,
    Operation.LIST,
    Operation.UPDATE,
    Operation.DELETE,
)
"""What a resource exposes when `ops` is not given; `bulk` is only there when asked for."""
KEYS_TABLE = "idempotency_keys"
"""The table every project keeps its creates' idempotency keys in."""
TIMESTAMP_FIELDS = (
    FieldSpec(name="created_at", type=FieldType.DATETIME, default="now", filter=True, sort=True),
    FieldSpec(name="updated_at", type=FieldType.DATETIME, default="now", filter=True, sort=True),
)
"""The columns `timestamps = true` adds: set by the server, never sent by a client; lists
filter and sort by them ("newest first", "changed since")."""
DELETED_AT = FieldSpec(name="deleted_at", type=FieldType.DATETIME, optional=True)
"""The column `soft_delete = true` adds: when the row was deleted (None while it lives); set
only by DELETE, never in a schema of the API."""


def _parse_fields(value: object) -> object:
    if isinstance(value, list | tuple):
        return [parse_field(item) if isinstance(item, str) else item for item in value]
    return value


class Resource(BaseModel):
    """A thing the API stores and serves: one table or collection, one router, one service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """PascalCase class name, e.g. `OrderItem`."""
    store: Store = Store.POSTGRES
    ops: tuple[Operation, ...] = ALL_OPERATIONS
    fields: Annotated[tuple[FieldSpec, ...], BeforeValidator(_parse_fields)] = ()
    access: Annotated[AccessRules | None, BeforeValidator(parse_access)] = None
    """Who may call each operation (needs `[auth]` unless public); unset: the project's
    default, see `Blueprint.access`."""
    owner: str | None = None
    """The ref field holding a row's owner, when several refer to the account."""
    timestamps: bool = False
    """`created_at`/`updated_at` kept by the server. Off when the key is absent, so blueprints
    written before it keep their shape; `add resource` writes it, on by default."""
    soft_delete: bool = False
    """DELETE marks the row deleted (`deleted_at`) instead of removing it; every read, write
    and unique value ignores deleted rows, and administrators restore or purge them."""
    transitions: Annotated[tuple[Transition, ...], BeforeValidator(parse_transitions)] = ()
    """Allowed moves of enum fields (`{status = ["draft->published"]}`): such a field starts
    in its default and changes only along them."""

    @property
    def snake(self) -> str:
        """`order_item`: module names and the table name."""
        return snake_case(self.name)

    @property
    def plural(self) -> str:
        """`order_items`: service/route module names, URL path, collection name."""
        return plural(self.snake)

    @property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(field for field in self.fields if field.type is FieldType.REF)

    @property
    def links(self) -> tuple[FieldSpec, ...]:
        """The `many` fields: links to rows of another resource, kept apart from the row
        (a link table, or an array of ids in the document) and changed by their own routes."""
        return tuple(field for field in self.fields if field.type is FieldType.MANY)

    @property
    def stored_fields(self) -> tuple[FieldSpec, ...]:
        """The declared fields but links, then the timestamps when kept: every stored column."""
        own = tuple(field for field in self.fields if field.type is not FieldType.MANY)
        return own + (TIMESTAMP_FIELDS if self.timestamps else ())

    @property
    def state_fields(self) -> tuple[FieldSpec, ...]:
        """The enum fields with transitions, in the order of the fields."""
        moved = {transition.field for transition in self.transitions}
        return tuple(field for field in self.fields if field.name in moved)

    @property
    def counters(self) -> tuple[FieldSpec, ...]:
        return tuple(field for field in self.fields if field.counter)

    @property
    def groups(self) -> tuple[FieldSpec, ...]:
        """The fields `GET /things/stats?group_by=` counts rows by."""
        return tuple(field for field in self.fields if field.group)

    def field(self, name: str) -> FieldSpec | None:
        return next((field for field in self.fields if field.name == name), None)

    def has(self, operation: Operation) -> bool:
        return operation in self.ops


class Project(BaseModel):
    """The `[project]` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""

    @property
    def package_name(self) -> str:
        """The distribution name written into the generated pyproject."""
        return self.name.replace("_", "-")


class Blueprint(BaseModel):
    """The whole backend.toml, checked for consistency across resources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project: Project
    resources: tuple[Resource, ...] = Field(default=())
    agents: tuple[AgentSpec, ...] = Field(default=())
    """`[agents.NAME]` tables: assistants whose tools call the resources' services."""
    auth: Auth | None = None
    """`[auth]`: accounts, tokens and access levels; None: every route is public."""

    def resource(self, name: str) -> Resource | None:
        return next((resource for resource in self.resources if resource.name == name), None)

    def referrers(self, name: str) -> list[tuple[Resource, FieldSpec]]:
        """The fields of other resources that point at resource `name`."""
        return [
            (resource, field)
            for resource in self.resources
            for field in resource.refs
            if field.ref == name
        ]

    def has_store(self, store: Store) -> bool:
        return any(resource.store is store for resource in self.resources)

    @property
    def account(self) -> Resource | None:
        """The resource people register as, when the project has accounts."""
        return self.resource(self.auth.account) if self.auth is not None else None

    def is_account(self, resource: Resource) -> bool:
        return self.auth is not None and resource.name == self.auth.account

    def access(self, resource: Resource, operation: str) -> Access:
        """Who may call `operation` of `resource`: its override, the resource's default,
        else any signed-in account when the project has accounts, anyone when not."""
        rules = resource.access or AccessRules()
        if operation == Operation.BULK and rules.bulk is None:
            return self.access(resource, Operation.CREATE)  # many creates: create's level
        level = rules.overrides().get(operation) or rules.default
        if level is not None:
            return level
        return Access.AUTHENTICATED if self.auth is not None else Access.PUBLIC

    def owner_field(self, resource: Resource) -> FieldSpec | None:
        """The ref field whose account owns each row, for a resource with owner access (the
        account resource owns itself: None)."""
        if self.auth is None or self.is_account(resource):
            return None
        if not any(self.access(resource, op) is Access.OWNER for op in resource.ops):
            return None
        return owner_ref(resource, self.auth.account)

    def stored_fields(self, resource: Resource) -> tuple[FieldSpec, ...]:
        """Every column of the resource: its own (fields and timestamps), the account's
        password hash and admin flag when it is the account, `deleted_at` with soft delete."""
        account = ACCOUNT_COLUMNS if self.is_account(resource) else ()
        return resource.stored_fields + account + ((DELETED_AT,) if resource.soft_delete else ())

    @property
    def needs_mongo(self) -> bool:
        """MongoDB resources, or agents (their conversations are kept in MongoDB)."""
        return self.has_store(Store.MONGO) or bool(self.agents)


def check_blueprint(blueprint: Blueprint) -> None:
    """Cross-resource rules a single field or resource cannot check on its own."""
    if not SNAKE_NAME.match(blueprint.project.name):
        raise BlueprintError(
            f"project name {blueprint.project.name!r} must be snake_case, e.g. "
            f"{snake_case(blueprint.project.name.replace('-', '_'))!r}"
        )
    seen: dict[str, str] = {}
    link_tables: dict[str, str] = {}
    for resource in blueprint.resources:
        if problem := check_resource_name(resource.name):
            raise BlueprintError(problem)
        for key in (resource.snake, resource.plural):
            if key in seen:
                raise BlueprintError(
                    f"resource {resource.name!r} clashes with {seen[key]!r} "
                    f"(both map to {key!r}): rename one"
                )
            seen[key] = resource.name
        if not resource.ops:
            raise BlueprintError(f"resource {resource.name!r} has no operations: list at least one")
        if resource.has(Operation.BULK) and not resource.has(Operation.CREATE):
            raise BlueprintError(
                f"resource {resource.name!r}: bulk stores many creates at once and needs the "
                "create operation too; add create to ops"
            )
        if (
            resource.has(Operation.BULK)
            and resource.store is Store.POSTGRES
            and not resource.stored_fields
        ):
            raise BlueprintError(
                f"resource {resource.name!r}: bulk inserts rows of its fields and it has none "
                "(PostgreSQL has no multi-row insert of defaults only); add a field or drop bulk"
            )
        columns: set[str] = set()
        for field in resource.fields:
            if field.column in columns or field.name in columns:
                raise BlueprintError(
                    f"resource {resource.name!r}: field {field.name!r} is defined twice"
                )
            columns.update({field.name, field.column})
            _check_ref(blueprint, resource, field)
            _check_link(blueprint, resource, field, link_tables)
        if resource.soft_delete and "deleted_at" in columns:
            raise BlueprintError(
                f"resource {resource.name!r}: field 'deleted_at' is kept by the server with "
                "soft_delete = true; rename the field or set soft_delete = false"
            )
        for field in TIMESTAMP_FIELDS if resource.timestamps else ():
            if field.name in columns:
                raise BlueprintError(
                    f"resource {resource.name!r}: field {field.name!r} is kept by the server "
                    "with timestamps = true; rename the field or set timestamps = false"
                )
        check_queries(resource)
        check_actions(resource)
    _check_required_refs_end(blueprint)
    check_agents(blueprint)
    check_access(blueprint)


def _check_required_refs_end(blueprint: Blueprint) -> None:
    """Required refs that lead back to where they start make a first row impossible."""
    required = {
        resource.name: [field for field in resource.refs if not field.optional]
        for resource in blueprint.resources
    }

    def visit(name: str, path: list[tuple[str, FieldSpec]]) -> None:
        for field in required.get(name, []):
            step = [*path, (name, field)]
            if field.ref == step[0][0]:
                chain = " -> ".join(f"{owner}.{ref.name}" for owner, ref in step)
                raise BlueprintError(
                    f"required refs form a loop ({chain} -> {field.ref}): no first row could "
                    f"be stored; make one of them optional, e.g. {field.name}:ref({field.ref})"
                    ":optional"
                )
            if field.ref not in {owner for owner, _ in step}:
                visit(field.ref or "", step)

    for resource in blueprint.resources:
        visit(resource.name, [])


def _check_ref(blueprint: Blueprint, resource: Resource, field: FieldSpec) -> None:
    if field.type is not FieldType.REF:
        return
    target = blueprint.resource(field.ref or "")
    if target is None:
        known = ", ".join(r.name for r in blueprint.resources) or "none yet"
        raise BlueprintError(
            f"resource {resource.name!r}: field {field.name!r} refers to unknown resource "
            f"{field.ref!r} (known: {known}); add it first"
        )
    if target.store is Store.MONGO:
        raise BlueprintError(
            f"resource {resource.name!r}: field {field.name!r} refers to MongoDB resource "
            f"{target.name!r}; refs may only point at PostgreSQL resources"
        )


def link_table(resource: Resource, field: FieldSpec) -> str:
    """The table of a PostgreSQL `many` field's links: `product_tags` for Product.tags."""
    return f"{resource.snake}_{field.name}"


def _check_link(
    blueprint: Blueprint, resource: Resource, field: FieldSpec, tables: dict[str, str]
) -> None:
    """A `many` field links two resources of one store; PostgreSQL keeps its links in a
    table of their own, which must not take another table's name."""
    if field.type is not FieldType.MANY:
        return
    where = f"resource {resource.name!r}: field {field.name!r}"
    target = blueprint.resource(field.ref or "")
    if target is None:
        known = ", ".join(r.name for r in blueprint.resources) or "none yet"
        raise BlueprintError(
            f"{where} links to unknown resource {field.ref!r} (known: {known}); add it first"
        )
    if target.name == resource.name:
        raise BlueprintError(
            f"{where} links {resource.name} to itself, which many(...) does not support; "
            f"link to another resource"
        )
    if target.store is not resource.store:
        raise BlueprintError(
            f"{where} links {resource.store} resource {resource.name!r} to {target.store} "
            f"resource {target.name!r}: many(...) links resources of one store only"
        )
    if resource.store is Store.MONGO:
        return
    table = link_table(resource, field)
    taken = {r.plural: f"the table of resource {r.name!r}" for r in blueprint.resources}
    taken |= {KEYS_TABLE: "the table of idempotency keys"} | tables
    if table in taken:
        raise BlueprintError(
            f"{where} keeps its links in table {table!r}, already {taken[table]}; rename the field"
        )
    tables[table] = f"the links of {resource.name}.{field.name}"


def blueprint_from_data(data: dict[str, Any], *, source: str = "backend.toml") -> Blueprint:
    """Validate the parsed TOML (resources as a name -> table mapping) into a Blueprint."""
    raw_resources = data.get("resources", {})
    if not isinstance(raw_resources, dict):
        raise BlueprintError(f"{source}: [resources] must be a table of [resources.Name] tables")
    resources = [_resource_data(name, table, source) for name, table in raw_resources.items()]
    agents = agents_from_data(data.get("agents", {}), source=source)
    try:
        blueprint = Blueprint.model_validate({**data, "resources": resources, "agents": agents})
    except BlueprintError as error:
        raise BlueprintError(f"{source}: {error}") from None
    except ValidationError as error:
        raise BlueprintError(f"{source}: {_first_problem(error, resources)}") from None
    check_blueprint(blueprint)
    return blueprint


def _resource_data(name: str, table: object, source: str) -> object:
    """The resource table with its field specs parsed, so errors can name the resource."""
    if not isinstance(table, dict):
        return table
    fields = table.get("fields", [])
    try:
        if isinstance(fields, list):
            fields = [parse_field(spec) if isinstance(spec, str) else spec for spec in fields]
        transitions = parse_transitions(table.get("transitions", ()))
    except BlueprintError as error:
        raise BlueprintError(f"{source}: resources.{name}: {error}") from None
    return {"name": name, **table, "fields": fields, "transitions": transitions}


def _first_problem(error: ValidationError, resources: list[Any]) -> str:
    """One line for the first validation problem, with the path a user can find in the file."""
    problem = error.errors()[0]
    location = list(problem["loc"])
    if location[:1] == ["resources"] and len(location) > 1 and isinstance(location[1], int):
        index = location[1]
        table = resources[index]
        name = table.get("name", index) if isinstance(table, dict) else index
        location[:2] = ["resources", name]
    path = ".".join(str(part) for part in location)
    message = problem["msg"]
    if problem["type"] == "extra_forbidden":
        message = "unknown key; remove it"
    elif problem["type"] == "enum":
        message = f"{message}, not {problem['input']!r}"
    return f"{path}: {message}"


def resource_from_input(
    name: str,
    *,
    store: str,
    fields: list[str],
    ops: list[str] | None,
    access: AccessRules | None = None,
    timestamps: bool = True,
    soft_delete: bool = False,
    transitions: list[str] | None = None,
) -> Resource:
    """A resource from command-line input, with one-line errors like backend.toml's; new
    resources keep timestamps unless asked not to. `transitions` are `field:source->target`."""
    data: dict[str, object] = {
        "name": name,
        "store": store,
        "fields": fields,
        "timestamps": timestamps,
        "soft_delete": soft_delete,
    }
    if ops is not None:
        data["ops"] = ops
    if access is not None:
        data["access"] = access
    if transitions:
        try:
            data["transitions"] = [parse_transition_option(item) for item in transitions]
        except BlueprintError as error:
            raise BlueprintError(f"resource {name!r}: {error}") from None
    try:
        return Resource.model_validate(data)
    except ValidationError as error:
        raise BlueprintError(f"resource {name!r}: {_first_problem(error, [data])}") from None
