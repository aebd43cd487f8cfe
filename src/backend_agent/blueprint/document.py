"""backend.toml on disk: read it into a Blueprint, and edit it without losing comments.

The TOML document (tomlkit) is kept beside the typed Blueprint: commands change the
document, then re-validate it, so the user's comments, ordering and formatting survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.items import Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from backend_agent.blueprint.access import (
    NEW_ACCOUNT_FIELDS,
    NEW_ACCOUNT_OPERATIONS,
    AccessRules,
    account_access,
)
from backend_agent.blueprint.actions import transitions_table
from backend_agent.blueprint.agents import AgentSpec
from backend_agent.blueprint.fields import FieldSpec
from backend_agent.blueprint.model import Blueprint, Resource, blueprint_from_data
from backend_agent.errors import BlueprintError, ProjectError
from backend_agent.stores import Store

BLUEPRINT_FILE = "backend.toml"


@dataclass
class BlueprintDocument:
    """A parsed backend.toml and the Blueprint it validates to."""

    document: TOMLDocument
    blueprint: Blueprint

    def dumps(self) -> str:
        return tomlkit.dumps(self.document)

    def revalidated(self) -> BlueprintDocument:
        """Validate the (edited) document again; raises BlueprintError when it became invalid."""
        return BlueprintDocument(self.document, blueprint_from_data(self.document.unwrap()))


def parse_blueprint(text: str, *, source: str = BLUEPRINT_FILE) -> BlueprintDocument:
    """Parse backend.toml text; every problem becomes a one-line BlueprintError."""
    try:
        document = tomlkit.parse(text)
    except ParseError as error:
        raise BlueprintError(f"{source}: not valid TOML: {error}") from None
    return BlueprintDocument(document, blueprint_from_data(document.unwrap(), source=source))


def load_blueprint(project: Path) -> BlueprintDocument:
    """Read the blueprint of the project at `project`."""
    path = project / BLUEPRINT_FILE
    if not path.is_file():
        raise ProjectError(
            f"{project} is not a backend-agent project (no {BLUEPRINT_FILE}); "
            "create one with `backend-agent new DIR`"
        )
    return parse_blueprint(path.read_text(encoding="utf-8"), source=str(path))


def new_document(name: str, description: str) -> BlueprintDocument:
    """The backend.toml of a new project, with a comment that says how to use it."""
    document = tomlkit.document()
    document.add(tomlkit.comment("The blueprint of this backend; backend-agent generates from it."))
    document.add(tomlkit.comment("Edit it and run `backend-agent apply`, or `backend-agent add`."))
    document.add(tomlkit.nl())
    project = tomlkit.table()
    project.add("name", name)
    project.add("description", description)
    document.add("project", project)
    resources = tomlkit.table(is_super_table=True)
    document.add("resources", resources)
    return BlueprintDocument(document, blueprint_from_data(document.unwrap()))


def add_resource(current: BlueprintDocument, resource: Resource) -> BlueprintDocument:
    """Append a `[resources.Name]` table and validate the result."""
    if current.blueprint.resource(resource.name) is not None:
        raise BlueprintError(f"resource {resource.name!r} already exists in {BLUEPRINT_FILE}")
    add_named_table(current, "resources", resource.name, _resource_item(resource))
    return current.revalidated()


def _resource_item(resource: Resource) -> Table:
    """The `[resources.Name]` table of a resource: store, ops, access, owner and fields."""
    table = tomlkit.table()
    if resource.store is not Store.POSTGRES:
        table.add("store", resource.store.value)
    table.add("ops", [operation.value for operation in resource.ops])
    if resource.access is not None:
        table.add("access", _access_item(resource.access))
    if resource.owner is not None:
        table.add("owner", resource.owner)
    table.add("timestamps", resource.timestamps)
    if resource.soft_delete:
        table.add("soft_delete", True)
    if resource.transitions:
        moves = tomlkit.inline_table()
        moves.update(transitions_table(resource.transitions))
        table.add("transitions", moves)
    fields = tomlkit.array()
    fields.multiline(True)
    fields.extend(field.to_spec() for field in resource.fields)
    table.add("fields", fields)
    return table


def add_named_table(current: BlueprintDocument, section: str, name: str, table: Table) -> None:
    """Add `[section.name]`, creating the `[section]` super-table when missing."""
    container = current.document.get(section)
    if not isinstance(container, Table):
        container = tomlkit.table(is_super_table=True)
        current.document.add(section, container)
    container.add(name, table)


def resource_table(current: BlueprintDocument, name: str) -> Table:
    """The `[resources.Name]` table of an existing resource."""
    resources = current.document.get("resources")
    table = resources.get(name) if isinstance(resources, Table) else None
    if not isinstance(table, Table):
        known = ", ".join(r.name for r in current.blueprint.resources) or "none"
        raise BlueprintError(f"unknown resource {name!r} (resources: {known})")
    return table


def field_array(table: Table) -> Array:
    """The `fields` array of a resource table, created when missing."""
    fields = table.get("fields")
    if not isinstance(fields, Array):
        fields = tomlkit.array()
        fields.multiline(True)
        table["fields"] = fields
    return fields


def add_fields(
    current: BlueprintDocument, resource: str, fields: list[FieldSpec]
) -> BlueprintDocument:
    """Append fields to a resource; an existing name is refused."""
    table = resource_table(current, resource)
    existing = current.blueprint.resource(resource)
    array = field_array(table)
    for field in fields:
        if existing is not None and existing.field(field.name) is not None:
            raise BlueprintError(f"resource {resource!r} already has a field {field.name!r}")
        array.append(field.to_spec())
    return current.revalidated()


def remove_field(current: BlueprintDocument, resource: str, name: str) -> BlueprintDocument:
    """Drop a field from a resource, keeping the array's other items and comments; its
    transitions go with it."""
    table = resource_table(current, resource)
    array = field_array(table)
    index = next(
        (i for i, spec in enumerate(array) if str(spec).partition(":")[0].strip() == name), None
    )
    if index is None:
        known = ", ".join(str(spec).partition(":")[0] for spec in array) or "none"
        raise BlueprintError(f"resource {resource!r} has no field {name!r} (fields: {known})")
    del array[index]
    transitions = table.get("transitions")
    if isinstance(transitions, dict) and name in transitions:
        del transitions[name]
        if not transitions:
            del table["transitions"]
    return current.revalidated()


def remove_resource(current: BlueprintDocument, name: str) -> BlueprintDocument:
    """Drop a resource; refused while another resource refers or links to it."""
    resource_table(current, name)
    referrers = [
        f"{resource.name}.{field.name}"
        for resource, field in current.blueprint.referrers(name)
        if resource.name != name
    ]
    referrers += [
        f"{resource.name}.{field.name}"
        for resource in current.blueprint.resources
        for field in resource.links
        if field.ref == name
    ]
    if referrers:
        raise BlueprintError(
            f"cannot remove resource {name!r}: {', '.join(referrers)} refers to it; "
            "remove those fields first"
        )
    resources = current.document["resources"]
    assert isinstance(resources, Table)
    del resources[name]
    return current.revalidated()


def set_operations(current: BlueprintDocument, resource: str, ops: list[str]) -> BlueprintDocument:
    """Replace the operations a resource exposes (access levels of dropped ones go too)."""
    table = resource_table(current, resource)
    table["ops"] = ops
    existing = current.blueprint.resource(resource)
    if existing is not None and existing.access is not None:
        kept = {op: level for op, level in existing.access.overrides().items() if op in ops}
        rules = AccessRules(default=existing.access.default, **kept)
        if rules != existing.access:
            table["access"] = _access_item(rules)
    return current.revalidated()


def set_soft_delete(current: BlueprintDocument, resource: str, on: bool) -> BlueprintDocument:
    """Turn soft delete on or off for a resource (the key goes when it is off)."""
    table = resource_table(current, resource)
    if on:
        table["soft_delete"] = True
    elif "soft_delete" in table:
        del table["soft_delete"]
    return current.revalidated()


def set_access(current: BlueprintDocument, resource: str, access: AccessRules) -> BlueprintDocument:
    """Replace who may call a resource's operations."""
    table = resource_table(current, resource)
    table["access"] = _access_item(access)
    return current.revalidated()


def add_auth(current: BlueprintDocument, account: str) -> BlueprintDocument:
    """Add `[auth]` with `account` as the account resource: created (email only, owning
    itself) when missing; an existing one without `access` gets the account's defaults."""
    if current.blueprint.auth is not None:
        raise BlueprintError(
            f"auth is already set up (account: {current.blueprint.auth.account}); "
            "edit [auth] in backend.toml to change it"
        )
    auth = tomlkit.table()
    auth.add("account", account)
    current.document.add("auth", auth)
    existing = current.blueprint.resource(account)
    if existing is None:
        new = Resource.model_validate(
            {"name": account, "ops": NEW_ACCOUNT_OPERATIONS, "fields": NEW_ACCOUNT_FIELDS}
        )
        item = _resource_item(new.model_copy(update={"access": account_access(new)}))
        add_named_table(current, "resources", account, item)
    elif existing.access is None:
        resource_table(current, account)["access"] = _access_item(account_access(existing))
    return current.revalidated()


def _access_item(access: AccessRules) -> str | InlineTable:
    """`"owner"`, or an inline table of levels by operation."""
    spelled = access.to_toml()
    if isinstance(spelled, str):
        return spelled
    table = tomlkit.inline_table()
    table.update(spelled)
    return table


def add_agent(current: BlueprintDocument, agent: AgentSpec) -> BlueprintDocument:
    """Append an `[agents.NAME]` table, keeping the file's comments, and validate the result."""
    if any(existing.name == agent.name for existing in current.blueprint.agents):
        raise BlueprintError(f"agent {agent.name!r} already exists in backend.toml")
    table = tomlkit.table()
    instructions = tomlkit.string(agent.instructions, multiline="\n" in agent.instructions)
    table.add("instructions", instructions)
    tools = tomlkit.array()
    tools.extend(agent.tools)
    table.add("tools", tools)
    add_named_table(current, "agents", agent.name, table)
    return current.revalidated()
