"""Hypothesis strategies over the blueprint space: every field type and modifier (list filters
sort keys and searches too; counters and counts per value), transitions of enum fields,
timestamps and soft delete on and off, both stores, refs in every direction, many(...)
links on both stores, every ops subset (bulk where a resource creates), and agents with
every tool kind.

Drawn blueprints are valid by construction (the blueprint's own validation must accept every
one of them); they are written as backend.toml text, so the spec parser is exercised too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

from backend_agent.blueprint.agents import TOOL_OPERATIONS

PLAIN_TYPES = (
    "str",
    "text",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
    "enum",
    "json",
    "list[str]",
)
OPERATIONS = ("create", "read", "list", "update", "delete")
BULK = "bulk"
"""Drawn besides OPERATIONS where a resource creates (never for the account)."""
LEVELS = ("public", "authenticated", "owner", "admin")
ACCOUNT = "Member"
"""The account resource of a drawn blueprint with `[auth]` (no other drawn resource has this
name)."""
OWNER_FIELD = "owner"
"""The ref that holds a row's owner; no drawn field or ref is named so."""
STORES = ("postgres", "mongo")
NOT_INDEXABLE = frozenset({"json", "list[str]", "text"})
FILTERABLE = frozenset(
    {"str", "email", "url", "enum", "uuid", "int", "float", "decimal", "date", "datetime", "bool"}
)
SORTABLE = FILTERABLE
SEARCHABLE = frozenset({"str", "text", "email", "url"})
FEW_VALUES = frozenset({"bool", "enum"})
GROUPABLE = frozenset({"enum", "bool", "str", "int"})
COLUMN_RANGE = {
    "int": (Decimal(-(2**31)), Decimal(2**31 - 1)),
    "float": (Decimal(-(10**15)), Decimal(10**15)),
    "decimal": (Decimal(-(10**10) + 1), Decimal(10**10 - 1)),
}
"""What each numeric column holds, where a field gives no bound."""
RESOURCE_NAMES = (
    "Author",
    "Book",
    "Category",
    "Customer",
    "Invoice",
    "LineItem",
    "Order",
    "Product",
    "Review",
    "Shipment",
    "Tag",
    "Ticket",
    "UserProfile",
    "Warehouse",
)
FIELD_NAMES = (
    "title",
    "label",
    "note",
    "amount",
    "price",
    "quantity",
    "rating",
    "active",
    "born_on",
    "due_at",
    "created_at",
    "token",
    "contact",
    "homepage",
    "status",
    "extra",
    "tags",
    "code",
    "score",
    "summary",
    "level",
    "starts_at",
)
TIMESTAMP_NAMES = frozenset({"created_at", "updated_at"})
AGENT_NAMES = ("helper", "assistant", "support_bot", "clerk")


@dataclass
class DrawnResource:
    """A resource as the strategy built it: what the TOML says, plus what later draws need."""

    name: str
    store: str
    ops: list[str]
    fields: list[str] = field(default_factory=list)
    access: dict[str, str] = field(default_factory=dict)
    """Level by operation; empty: the project's default."""
    timestamps: bool = False
    """`created_at`/`updated_at` kept by the server (then no field may take those names)."""
    soft_delete: bool = False
    """DELETE keeps rows (`deleted_at`); restore and purge routes."""
    transitions: dict[str, list[str]] = field(default_factory=dict)
    """Allowed moves (`draft->open`) by enum field."""

    @property
    def toml(self) -> str:
        fields = "".join(f"    {json.dumps(spec)},\n" for spec in self.fields)
        access = ", ".join(f"{op} = {json.dumps(level)}" for op, level in self.access.items())
        moves = ", ".join(f"{name} = {json.dumps(m)}" for name, m in self.transitions.items())
        owned = "owner" in self.access.values() and any(
            spec.startswith(f"{OWNER_FIELD}:") for spec in self.fields
        )
        return (
            f"[resources.{self.name}]\n"
            f'store = "{self.store}"\n'
            f"ops = {json.dumps(self.ops)}\n"
            + (f"access = {{ {access} }}\n" if access else "")
            + (f'owner = "{OWNER_FIELD}"\n' if owned else "")
            + f"timestamps = {json.dumps(self.timestamps)}\n"
            + ("soft_delete = true\n" if self.soft_delete else "")
            + (f"transitions = {{ {moves} }}\n" if moves else "")
            + f"fields = [\n{fields}]\n"
        )


@dataclass
class DrawnBlueprint:
    resources: list[DrawnResource]
    agents: dict[str, list[str]]
    account: str | None = None
    """The account resource, when the blueprint has `[auth]`."""

    def toml(self, project: str = "fuzzed") -> str:
        parts = [f'[project]\nname = "{project}"\ndescription = "A drawn blueprint."\n']
        if self.account is not None:
            parts.append(f'[auth]\naccount = "{self.account}"\n')
        parts += [resource.toml for resource in self.resources]
        for name, tools in self.agents.items():
            parts.append(
                f"[agents.{name}]\n"
                f'instructions = "Help with the data of this app; never invent any."\n'
                f"tools = {json.dumps(tools)}\n"
            )
        return "\n".join(parts)


@st.composite
def bounds(draw: st.DrawFn, kind: str) -> tuple[str | None, str | None]:
    """min/max for a field, as spelled in a spec (None: not given)."""
    match kind:
        case "int":
            low = draw(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)))
            floor = -(2**31) if low is None else low
            high = draw(st.one_of(st.none(), st.integers(floor, 2**31 - 1)))
        case "float" | "decimal":
            places = 3 if kind == "float" else 2
            low_value = draw(st.one_of(st.none(), _decimals(-1_000_000, 1_000_000, places)))
            least = "-1000000" if low_value is None else low_value
            high_value = draw(st.one_of(st.none(), _decimals(least, 2_000_000, places)))
            return low_value, high_value
        case "str" | "list[str]":
            low = draw(st.one_of(st.none(), st.integers(0, 12)))
            high = draw(st.one_of(st.none(), st.integers(max(low or 0, 1), 300)))
        case "text":
            low = draw(st.one_of(st.none(), st.integers(0, 20)))
            high = draw(st.one_of(st.none(), st.integers(max(low or 0, 1), 5000)))
        case _:
            return None, None
    return (None if low is None else str(low)), (None if high is None else str(high))


@st.composite
def _decimals(draw: st.DrawFn, low: float | str, high: float | str, most_places: int) -> str:
    """A number as a user writes it in a spec: whole, or with up to `most_places` decimals."""
    places = draw(st.integers(0, most_places))
    value = draw(st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False))
    return str(value)


@st.composite
def field_spec(draw: st.DrawFn, name: str, kind: str) -> str:
    """One `name:type[:modifier...]` spec of a plain (not ref) type, modifiers in any order."""
    if kind == "int" and draw(st.integers(0, 4)) == 0:
        return draw(counter_spec(name))
    type_token = kind
    choices: list[str] = []
    if kind == "enum":
        choices = draw(
            st.lists(
                st.sampled_from(("draft", "open", "closed", "on_hold", "x")),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        type_token = f"enum({'|'.join(choices)})"
    modifiers: list[str] = []
    if draw(st.booleans()):
        modifiers.append("optional")
    if kind not in NOT_INDEXABLE:
        if kind not in FEW_VALUES and draw(st.integers(0, 3)) == 0:
            modifiers.append("unique")
        elif draw(st.booleans()):
            modifiers.append("index")
    if kind in FILTERABLE and draw(st.booleans()):
        modifiers.append("filter")
    if kind in SORTABLE and draw(st.booleans()):
        modifiers.append("sort")
    if kind in SEARCHABLE and draw(st.booleans()):
        modifiers.append("search")
    low, high = draw(bounds(kind))
    if "unique" in modifiers and kind in COLUMN_RANGE:
        # A unique number needs room for the rows its tests create: widen, or drop unique.
        floor, ceiling = COLUMN_RANGE[kind]
        effective_low = Decimal(low) if low is not None else floor
        effective_high = Decimal(high) if high is not None else ceiling
        if effective_high - effective_low < 10:
            if high is not None and effective_low + 10 <= ceiling:
                high = str(effective_low + 10)
            else:
                modifiers.remove("unique")
    if low is not None:
        modifiers.append(f"min={low}")
    if high is not None:
        modifiers.append(f"max={high}")
    default = draw(default_value(kind, choices, low, high))
    # A literal default of a field named like a secret is refused (it would be BA301).
    secret = name == "token" and kind in ("str", "text", "email", "url")
    if default is not None and "unique" not in modifiers and not secret:
        modifiers.append(f"default={default}")
    if kind in GROUPABLE and draw(st.integers(0, 3)) == 0:
        modifiers.append("group")
    return ":".join([name, type_token, *draw(st.permutations(modifiers))])


@st.composite
def counter_spec(draw: st.DrawFn, name: str) -> str:
    """An int the server counts: no bounds or default, maybe listed, sorted or grouped by."""
    flags = [flag for flag in ("index", "filter", "sort", "group") if draw(st.booleans())]
    return ":".join([name, "int", "counter", *flags])


@st.composite
def transitions(draw: st.DrawFn, fields: list[str]) -> dict[str, list[str]]:
    """Moves between the values of every enum field that starts in a default."""
    found: dict[str, list[str]] = {}
    for spec in fields:
        name, kind, *modifiers = spec.split(":")
        if not kind.startswith("enum(") or "optional" in modifiers:
            continue
        if not any(m.startswith("default=") for m in modifiers):
            continue
        choices = kind.removeprefix("enum(").removesuffix(")").split("|")
        pairs = [f"{a}->{b}" for a in choices for b in choices if a != b]
        if pairs:
            found[name] = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
    return found


@st.composite
def default_value(
    draw: st.DrawFn, kind: str, choices: list[str], low: str | None, high: str | None
) -> str | None:
    """A default valid for the field, or None (no default)."""
    if not draw(st.booleans()):
        return None
    low_value, high_value = _span(low, high)
    match kind:
        case "int":
            return str(draw(st.integers(int(low_value), int(high_value))))
        case "float" | "decimal":
            middle = round((low_value + high_value) / 2, 2)
            return str(middle) if low_value <= middle <= high_value else (low or high)
        case "str" | "text":
            length = max(int(low or 0), 1)
            if high is not None and int(high) < length:
                return None
            return "d" * length
        case "bool":
            return draw(st.sampled_from(("true", "false")))
        case "enum":
            return draw(st.sampled_from(choices))
        case "datetime":
            return "now"
        case "email":
            return "nobody@example.com"
        case "url":
            return "https://example.com/home"
    return None


def _span(low: str | None, high: str | None) -> tuple[float, float]:
    """The range a default may be drawn from: the bounds given, else a thousand either way."""
    low_value = float(low) if low is not None else min(float(high or 0), 0) - 1000
    high_value = float(high) if high is not None else max(low_value, 0) + 1000
    return low_value, high_value


@st.composite
def blueprints(
    draw: st.DrawFn, *, max_resources: int = 4, accounts: bool | None = False
) -> DrawnBlueprint:
    """A valid blueprint: resources on both stores, refs between them, maybe agents; with
    `accounts` (None: maybe), an account resource and access levels drawn per operation.
    Without, nothing more is drawn than before accounts existed, so the suite's fixed
    examples stay the same."""
    names = draw(
        st.lists(st.sampled_from(RESOURCE_NAMES), min_size=1, max_size=max_resources, unique=True)
    )
    resources: list[DrawnResource] = []
    with_accounts = draw(st.booleans()) if accounts is None else accounts
    account = draw(account_resource()) if with_accounts else None
    if account is not None:
        resources.append(account)
    for name in names:
        store = draw(st.sampled_from(STORES))
        ops = draw(st.lists(st.sampled_from(OPERATIONS), min_size=1, unique=True))
        timestamps = draw(st.booleans())
        ops = sorted(ops, key=OPERATIONS.index)
        if "create" in ops and draw(st.booleans()):
            ops.append(BULK)
        resource = DrawnResource(
            name, store, ops, [], timestamps=timestamps, soft_delete=draw(st.booleans())
        )
        names_left = [n for n in FIELD_NAMES if not timestamps or n not in TIMESTAMP_NAMES]
        field_names = draw(st.lists(st.sampled_from(names_left), max_size=5, unique=True))
        for field_name in field_names:
            kind = draw(st.sampled_from(PLAIN_TYPES))
            resource.fields.append(draw(field_spec(field_name, kind)))
        resource.transitions = draw(transitions(resource.fields))
        earlier = [r for r in resources if r.store == "postgres"]
        for target in draw(st.lists(st.sampled_from(earlier), max_size=2)) if earlier else []:
            resource.fields.append(draw(ref_spec(resource, target, required_ok=True)))
        if account is not None:
            resource.access = draw(access_levels(resource.ops, creatable_by_owner=True))
            if "owner" in resource.access.values():
                resource.fields.append(f"{OWNER_FIELD}:ref({ACCOUNT})")
        resources.append(resource)
    # Optional refs may point anywhere on PostgreSQL: forward, backward, at themselves.
    tables = [r for r in resources if r.store == "postgres"]
    for resource in resources:
        if tables and resource is not account and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(tables))
            resource.fields.append(draw(ref_spec(resource, target, required_ok=False)))
    agents: dict[str, list[str]] = {}
    for agent in draw(st.lists(st.sampled_from(AGENT_NAMES), max_size=2, unique=True)):
        tools = [f"{r.name}.{op}" for r in resources for op in r.ops if op in TOOL_OPERATIONS]
        if tools:
            agents[agent] = draw(st.lists(st.sampled_from(tools), min_size=1, unique=True))
    # Links (drawn last, so the draws above stay as they were): to another resource of the
    # same store, named apart from every field and parameter.
    for resource in resources:
        others = [r for r in resources if r.store == resource.store and r is not resource]
        if others and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(others))
            ids = ":ids" if draw(st.booleans()) else ""
            resource.fields.append(f"linked_{_snake(target.name)}:many({target.name}){ids}")
    for resource in resources:  # the blueprint refuses bulk rows of nothing but an id
        stores_nothing = all(":many(" in spec for spec in resource.fields)
        if resource.store == "postgres" and not resource.timestamps and stores_nothing:
            resource.ops = [op for op in resource.ops if op != BULK]
    return DrawnBlueprint(resources, agents, ACCOUNT if account is not None else None)


@st.composite
def account_resource(draw: st.DrawFn) -> DrawnResource:
    """The resource people register as: a required unique email, a few drawn fields, and
    access levels (an account owns itself)."""
    ops = draw(st.lists(st.sampled_from(OPERATIONS), min_size=1, unique=True))
    account = DrawnResource(ACCOUNT, "postgres", sorted(ops, key=OPERATIONS.index))
    account.fields.append("email:email:unique")
    for field_name in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=3, unique=True)):
        account.fields.append(draw(field_spec(field_name, draw(st.sampled_from(PLAIN_TYPES)))))
    account.access = draw(access_levels(account.ops, creatable_by_owner=False))
    return account


@st.composite
def access_levels(draw: st.DrawFn, ops: list[str], *, creatable_by_owner: bool) -> dict[str, str]:
    """A level for some of `ops` (the others take the default). Where any operation is
    `owner`, every account must be able to create rows it owns: create is then owner or
    authenticated. An account is opened by registering, never created by its owner."""
    levels = {
        op: draw(st.sampled_from(LEVELS))
        for op in draw(st.lists(st.sampled_from(ops), unique=True))
    }
    if not creatable_by_owner and levels.get("create") == "owner":
        levels["create"] = draw(st.sampled_from(("public", "authenticated", "admin")))
    owned = creatable_by_owner and "owner" in levels.values()
    for creating in ("create", BULK):
        if owned and levels.get(creating) in ("public", "admin"):
            levels[creating] = draw(st.sampled_from(("owner", "authenticated")))
    return {op: levels[op] for op in (*OPERATIONS, BULK) if op in levels}


@st.composite
def ref_spec(
    draw: st.DrawFn, resource: DrawnResource, target: DrawnResource, *, required_ok: bool
) -> str:
    """A ref field to `target` whose name clashes with no other field of `resource`."""
    taken = {spec.split(":")[0] for spec in resource.fields}
    taken |= {f"{name}_id" for name in taken}
    base = _snake(target.name)
    name = next(
        candidate
        for candidate in (base, f"{base}_2", f"{base}_3", f"other_{base}", f"alt_{base}")
        if candidate not in taken and f"{candidate}_id" not in taken
    )
    optional = not required_ok or draw(st.booleans())
    modifiers = ["optional"] if optional else []
    if draw(st.integers(0, 4)) == 0:
        modifiers.append("unique")
    if draw(st.booleans()):
        modifiers.append("sort")
    return ":".join([name, f"ref({target.name})", *draw(st.permutations(modifiers))])


def _snake(name: str) -> str:
    return name[0].lower() + "".join(f"_{c.lower()}" if c.isupper() else c for c in name[1:])
