"""Accounts and access in the blueprint: `[auth]`, each resource's `access`, and their rules.

`[auth] account = "User"` makes a PostgreSQL resource the account: people register as one,
sign in with its email and a password, and call the API with a token. Each operation of a
resource then has an access level, `public`, `authenticated`, `owner` or `admin`, given per
resource (`access = "owner"`) and per operation (`access = { default = "owner",
read = "public" }`). `owner` rows belong to an account through a ref to it, set from the
caller; the account resource's own rows belong to themselves.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from backend_agent.blueprint.fields import FieldSpec, FieldType, parse_field
from backend_agent.errors import BlueprintError
from backend_agent.stores import Store

if TYPE_CHECKING:
    from backend_agent.blueprint.model import Blueprint, Resource


class Access(StrEnum):
    """Who may call an operation."""

    PUBLIC = "public"
    """Anyone, signed in or not."""
    AUTHENTICATED = "authenticated"
    """Any signed-in account."""
    OWNER = "owner"
    """Signed in, and only on the caller's own rows (another's row is not found)."""
    ADMIN = "admin"
    """Administrators only; they also pass every other check."""


class AccessRules(BaseModel):
    """A resource's `access`: a default level and per-operation overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Access | None = None
    create: Access | None = None
    read: Access | None = None
    list: Access | None = None
    update: Access | None = None
    delete: Access | None = None
    bulk: Access | None = None
    """Unset: the level of create (a bulk create is many creates)."""

    def overrides(self) -> dict[str, Access]:
        """The per-operation levels given, by operation name."""
        return {
            operation: level
            for operation, level in self.model_dump(exclude={"default"}).items()
            if level is not None
        }

    def to_toml(self) -> str | dict[str, str]:
        """How backend.toml spells it: a bare level when nothing is overridden."""
        overrides = self.overrides()
        if not overrides and self.default is not None:
            return self.default.value
        spelled = {"default": self.default.value} if self.default is not None else {}
        return spelled | {operation: level.value for operation, level in overrides.items()}


def parse_access(value: object) -> object:
    """`"owner"` is `{default = "owner"}`; a table passes through to validation."""
    return {"default": value} if isinstance(value, str) else value


class Auth(BaseModel):
    """The `[auth]` table: which resource is the account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str = "User"
    """A PostgreSQL resource with a required unique `email:email` field."""


ACCOUNT_COLUMNS = (
    parse_field("password_hash:str:max=255:optional"),
    parse_field("is_admin:bool:default=false"),
)
"""Columns the account's table gets besides its fields: never in any schema of the API.
A row without a password hash (stored before auth, or by an admin) cannot sign in."""
RESERVED_ACCOUNT_FIELDS = frozenset({"password", *(column.name for column in ACCOUNT_COLUMNS)})
NEW_ACCOUNT_FIELDS = ("email:email:unique",)
NEW_ACCOUNT_OPERATIONS = ("read", "list", "update", "delete")
"""A new account resource: registration creates its rows, so it has no create route."""
NEW_ACCOUNT_ACCESS = AccessRules(default=Access.OWNER, list=Access.ADMIN, create=Access.ADMIN)
"""Accounts read and change themselves; only administrators list (or create) them."""


def account_access(resource: Resource) -> AccessRules:
    """The access `add auth` gives an account resource that has none: its operations'
    share of `NEW_ACCOUNT_ACCESS`."""
    ops = {operation.value for operation in resource.ops}
    overrides = {
        operation: level
        for operation, level in NEW_ACCOUNT_ACCESS.overrides().items()
        if operation in ops
    }
    return AccessRules(default=NEW_ACCOUNT_ACCESS.default, **overrides)


def check_access(blueprint: Blueprint) -> None:
    """Access levels name operations the resources have, accounts exist where levels need
    them, the account resource can be one, and owned rows know their owner."""
    if blueprint.auth is not None:
        _check_account(blueprint)
    for resource in blueprint.resources:
        where = f"resource {resource.name!r}"
        rules = resource.access or AccessRules()
        ops = {operation.value for operation in resource.ops}
        for operation in rules.overrides():
            if operation not in ops:
                raise BlueprintError(
                    f"{where}: access.{operation} is set but the resource has no {operation} "
                    f"operation; remove it or add the operation"
                )
        levels = {blueprint.access(resource, operation) for operation in resource.ops}
        if blueprint.auth is None:
            if resource.owner is not None or levels - {Access.PUBLIC}:
                raise BlueprintError(
                    f"{where}: access other than public needs accounts; run "
                    "`backend-agent add auth` first (or add an [auth] table)"
                )
            continue
        _check_owner(blueprint, resource, owned=Access.OWNER in levels)


def _check_account(blueprint: Blueprint) -> None:
    assert blueprint.auth is not None
    name = blueprint.auth.account
    account = blueprint.resource(name)
    if account is None:
        known = ", ".join(r.name for r in blueprint.resources) or "none"
        raise BlueprintError(
            f"auth.account: resource {name!r} does not exist (resources: {known}); add it, "
            "or let `backend-agent add auth` create it"
        )
    where = f"auth.account {name!r}"
    if account.store is not Store.POSTGRES:
        raise BlueprintError(f"{where}: accounts live in PostgreSQL; pick a postgres resource")
    email = account.field("email")
    if email is None or email.type is not FieldType.EMAIL or email.optional or not email.unique:
        raise BlueprintError(
            f"{where}: people sign in with their email, so the resource needs a required "
            "unique email field: add email:email:unique"
        )
    if clash := next((f.name for f in account.fields if f.name in RESERVED_ACCOUNT_FIELDS), None):
        raise BlueprintError(
            f"{where}: field {clash!r} is reserved for accounts (passwords are hashed into "
            "password_hash, administrators have is_admin); rename it"
        )
    if required := next((f for f in account.refs if not f.optional), None):
        raise BlueprintError(
            f"{where}: field {required.name!r} is a required ref, which registration cannot "
            f"fill; make it optional: {required.name}:ref({required.ref}):optional"
        )
    if account.owner is not None:
        raise BlueprintError(f"{where}: an account owns itself; remove its owner key")
    if account.soft_delete:
        raise BlueprintError(
            f"{where}: a deleted account must lose its sign-in at once, so accounts are "
            "deleted for good; remove soft_delete"
        )
    if "bulk" in account.ops:
        raise BlueprintError(
            f"{where}: accounts are opened one at a time through POST /auth/register; "
            "remove bulk from its ops"
        )
    if "create" in account.ops and blueprint.access(account, "create") is Access.OWNER:
        raise BlueprintError(
            f"{where}: create cannot be 'owner' (accounts are opened through "
            "POST /auth/register); make it admin, or drop the create operation"
        )


def _check_owner(blueprint: Blueprint, resource: Resource, *, owned: bool) -> None:
    where = f"resource {resource.name!r}"
    if blueprint.is_account(resource) or not owned:
        if resource.owner is not None and not blueprint.is_account(resource):
            raise BlueprintError(
                f"{where}: owner = {resource.owner!r} is set but no operation is 'owner'; "
                "remove it or give an operation owner access"
            )
        return
    field = blueprint.owner_field(resource)
    account = blueprint.auth.account if blueprint.auth else ""
    if field is None:
        candidates = [f.name for f in resource.refs if f.ref == account]
        if resource.owner is not None:
            raise BlueprintError(
                f"{where}: owner = {resource.owner!r} names no ref({account}) field "
                f"(refs to {account}: {', '.join(candidates) or 'none'})"
            )
        if candidates:
            raise BlueprintError(
                f"{where}: several fields refer to {account} ({', '.join(candidates)}); "
                'say which holds the owner: owner = "FIELD"'
            )
        raise BlueprintError(
            f"{where}: owner access needs a field that holds the owning {account}: add "
            f"owner:ref({account})"
        )
    if field.optional:
        raise BlueprintError(
            f"{where}: owner field {field.name!r} must be required (a row without an owner "
            "belongs to nobody); drop :optional"
        )
    for operation in ("create", "bulk"):
        creators = blueprint.access(resource, operation) if operation in resource.ops else None
        if creators in (Access.PUBLIC, Access.ADMIN):
            raise BlueprintError(
                f"{where}: {operation} cannot be {creators}: a new row belongs to the account "
                "that creates it, so every account must be able to; make it 'owner'"
            )


def owner_ref(resource: Resource, account: str) -> FieldSpec | None:
    """The field holding a row's owner: the one `owner` names, else the only ref to the
    account."""
    refs = [field for field in resource.refs if field.ref == account]
    if resource.owner is not None:
        return next((field for field in refs if field.name == resource.owner), None)
    return refs[0] if len(refs) == 1 else None


def access_from_input(items: list[str]) -> AccessRules:
    """`["owner", "read=public"]` (the command line's `--access` items) as rules."""
    spelled: dict[str, str] = {}
    for item in items:
        operation, equals, level = item.partition("=")
        key = operation.strip() if equals else "default"
        if key in spelled:
            raise BlueprintError(f"--access {item!r}: {key} is given twice")
        spelled[key] = (level if equals else operation).strip()
    try:
        return AccessRules.model_validate(spelled)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "extra_forbidden":
            raise BlueprintError(
                f"--access {where}=...: not an operation (create, read, list, update, delete, bulk)"
            ) from None
        raise BlueprintError(
            f"--access {where}: {spelled.get(where)!r} is not a level "
            f"({', '.join(level.value for level in Access)})"
        ) from None


def with_owner_field(resource: Resource, blueprint: Blueprint) -> Resource:
    """`resource` with an `owner:ref(Account)` field when its owner access needs one and it
    has no ref to the account yet (what `add resource --access owner` means)."""
    account = blueprint.auth.account if blueprint.auth is not None else None
    rules = resource.access or AccessRules()
    owned = Access.OWNER in (rules.default, *rules.overrides().values())
    if account is None or not owned or resource.name == account:
        return resource
    if any(field.ref == account for field in resource.refs) or resource.field("owner"):
        return resource
    return resource.model_copy(
        update={"fields": (*resource.fields, parse_field(f"owner:ref({account})"))}
    )
