"""Every blueprint generates a project that passes the real `verify`: ruff, mypy --strict,
the auditor, alembic and the generated tests on PostgreSQL and SecantusDB.

One hand-made blueprint covers every field type on both stores, refs in every direction and
every tool kind of agents; a few more are drawn from the whole space (fixed seed, see
conftest). `bench/fuzz_blueprints.py` draws as many more as you like.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from backend_agent.services import LocalPostgres, local_mongo
from tests.fuzzing import Servers, check
from tests.strategies import DrawnBlueprint, DrawnResource, blueprints

EVERY_TYPE = [
    "label:str:min=1:max=80:search",
    "handle:str:max=30:unique:sort",
    "bio:text:max=500:search",
    "visits:int:min=0:default=0:index:filter:sort",
    "ratio:float:min=0:max=1:filter:sort",
    "price:decimal:min=0:max=99999.99:filter",
    "active:bool:default=true:filter",
    "born_on:date:filter:sort",
    "seen_at:datetime:index:filter:sort",
    "created_at:datetime:default=now",
    "token:uuid:unique:filter",
    "email:email:unique:filter:sort",
    "homepage:url:filter",
    "status:enum(draft|open|closed):default=draft:filter:sort",
    "extra:json",
    "tags:list[str]:min=1:max=5",
]
EVERY_TYPE_OPTIONAL = [
    "title:str:optional:unique",
    "notes:text:optional:search",
    "size:int:optional:unique:min=0:filter:sort",
    "weight:float:optional:filter",
    "cost:decimal:optional:unique:sort",
    "shared:bool:optional",
    "due_on:date:optional:unique:filter",
    "due_at:datetime:optional:unique",
    "key:uuid:optional",
    "contact:email:optional:filter:search",
    "link:url:optional:unique:search",
    "kind:enum(a|b):optional:index:filter:sort",
    "meta:json:optional",
    "labels:list[str]:optional",
]
COVERING = DrawnBlueprint(
    resources=[
        DrawnResource(
            "Account",
            "postgres",
            ["create", "read", "list", "update", "delete", "bulk"],
            EVERY_TYPE,
            soft_delete=True,
        ),
        DrawnResource(
            "Folder",
            "postgres",
            ["create", "read", "list", "update", "delete"],
            [
                *EVERY_TYPE_OPTIONAL,
                "owner:ref(Account)",
                "parent:ref(Folder):optional",
                "reviewer:ref(Account):optional:unique",
                # A decimal bound a float cannot hold exactly (-0.3), and a decimal default.
                "discount:decimal:min=-0.3:max=0.7:default=0.1",
                "watchers:many(Account)",
                "views:int:counter:sort",
                "stage:enum(new|open|done):default=new:group",
            ],
            timestamps=True,
            soft_delete=True,
            transitions={"stage": ["new->open", "open->done", "done->open"]},
        ),
        DrawnResource(
            "Catalog",
            "postgres",
            ["read", "list"],
            ["name:str", "folder:ref(Folder)", "folders:many(Folder):ids"],
        ),
        DrawnResource(
            "Document",
            "mongo",
            ["create", "read", "list", "update", "delete", "bulk"],
            [*EVERY_TYPE, "account:ref(Account)", "folder:ref(Folder):optional:unique"],
            soft_delete=True,
        ),
        DrawnResource(
            "Note",
            "mongo",
            ["read", "list", "update", "delete"],
            [
                *EVERY_TYPE_OPTIONAL,
                "catalog:ref(Catalog):group",
                "documents:many(Document):ids",
                "hits:int:counter",
                "phase:enum(a|b):default=a:group",
            ],
            timestamps=True,
            transitions={"phase": ["a->b"]},
        ),
    ],
    agents={
        "clerk": [
            "Account.read",
            "Account.list",
            "Account.create",
            "Account.update",
            "Document.read",
            "Document.list",
            "Document.create",
            "Document.update",
            "Note.read",
            "Note.update",
            "Catalog.list",
        ]
    },
)
"""Every field type and modifier kind on both stores, with and without timestamps, soft
delete and bulk creates (a multi-row INSERT of every column type), counters, counts per
value and transitions; refs
PG->PG (required, optional, to itself, twice to one resource), Mongo->PG, a chain through a
resource without a create route; many(...) links on both stores (from a resource without an
update route too); agents with every tool kind on both stores."""


@pytest.fixture(scope="module")
def servers(postgres: LocalPostgres) -> Iterator[Servers]:
    with local_mongo() as mongo:
        yield Servers(postgres, mongo)


@pytest.fixture(autouse=True)
def shared_mypy_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One mypy cache for every project: the libraries are analysed once."""
    monkeypatch.setenv("MYPY_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mypy-cache"))


def test_a_blueprint_with_every_type_store_ref_and_tool_passes_verify(servers: Servers) -> None:
    verdict = check(COVERING, servers, name="covering")
    assert verdict.ok, f"{verdict.failed_step}: {verdict.output}"


@settings(max_examples=4, suppress_health_check=list(HealthCheck))
@given(drawn=blueprints())
def test_drawn_blueprints_pass_verify(servers: Servers, drawn: DrawnBlueprint) -> None:
    verdict = check(drawn, servers, name="drawn")
    assert verdict.ok, f"{verdict.failed_step}: {verdict.output}\n{drawn.toml()}"


@settings(max_examples=3, suppress_health_check=list(HealthCheck))
@given(drawn=blueprints(accounts=True))
def test_drawn_blueprints_with_accounts_pass_verify(
    servers: Servers, drawn: DrawnBlueprint
) -> None:
    verdict = check(drawn, servers, name="accounts")
    assert verdict.ok, f"{verdict.failed_step}: {verdict.output}\n{drawn.toml()}"
