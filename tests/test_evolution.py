"""Schema evolution on a real PostgreSQL: every step's migration upgrades, leaves
`alembic check` clean and keeps existing rows; the whole chain downgrades to base and back,
and the evolved project still passes verify."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from backend_agent import operations, reference
from backend_agent.errors import BlueprintError, UsageError
from backend_agent.services import LocalPostgres
from backend_agent.verify import verify
from tests.helpers import query, snapshot


def alembic(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=project,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


def edit_blueprint(project: Path, old: str, new: str) -> None:
    path = project / "backend.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


STEPS: list[tuple[str, Callable[[Path], object]]] = [
    ("add table", lambda p: operations.add_resource(p, "Post", ["title:str", "author:ref(User)"])),
    ("add a many field", lambda p: operations.add_field(p, "Post", ["readers:many(User)"])),
    ("add another many field", lambda p: operations.add_field(p, "User", ["seen:many(Post)"])),
    ("add optional field", lambda p: operations.add_field(p, "User", ["bio:text:optional"])),
    (
        "add required field with default",
        lambda p: operations.add_field(p, "User", ["level:int:default=1"]),
    ),
    (
        "add required field, backfilled",
        lambda p: operations.add_field(p, "User", ["nick:str:max=30"], backfill=["nick=anon"]),
    ),
    ("add optional field", lambda p: operations.add_field(p, "User", ["code:str:max=20:optional"])),
    (
        "make it unique (apply)",
        lambda p: (
            edit_blueprint(p, '"code:str:optional:max=20"', '"code:str:optional:unique:max=20"'),
            operations.apply(p),
        ),
    ),
    (
        "widen a string (apply)",
        lambda p: (
            edit_blueprint(p, '"nick:str:max=30"', '"nick:str:max=60"'),
            operations.apply(p),
        ),
    ),
    (
        "add required list, backfilled (JSON)",
        lambda p: operations.add_field(
            p, "User", ["tags:list[str]:max=5"], backfill=['tags=["a"]']
        ),
    ),
    (
        "add required date, backfilled",
        lambda p: operations.add_field(p, "User", ["joined:date"], backfill=["joined=2024-01-31"]),
    ),
    ("remove field", lambda p: operations.remove_field(p, "User", "bio")),
    ("remove a many field", lambda p: operations.remove_field(p, "User", "seen")),
    ("remove table", lambda p: operations.remove_resource(p, "Post")),
    (
        "change operations",
        lambda p: operations.change_operations(p, "User", ["create", "read", "list"]),
    ),
]


@pytest.fixture(scope="module")
def evolved(
    tmp_path_factory: pytest.TempPathFactory, postgres: LocalPostgres
) -> tuple[Path, str, list[str]]:
    """A project taken through every step, migrated after each on one database with a row."""
    project = tmp_path_factory.mktemp("evolution") / "app"
    operations.new_project(project)
    operations.add_resource(project, "User", ["name:str:max=50", "email:email:unique"])
    url = postgres.create_database("evolution")
    assert alembic(project, url, "upgrade", "head").returncode == 0
    query(url, "INSERT INTO users (name, email) VALUES ('Ann', 'ann@example.com')")
    problems: list[str] = []
    for label, step in STEPS:
        step(project)
        for args in (("upgrade", "head"), ("check",)):
            result = alembic(project, url, *args)
            if result.returncode != 0:
                problems.append(f"{label}: alembic {' '.join(args)}: {result.stderr[-500:]}")
    return project, url, problems


def test_every_step_migrates_cleanly(evolved: tuple[Path, str, list[str]]) -> None:
    _, _, problems = evolved
    assert problems == []


def test_existing_rows_keep_their_data_and_get_backfilled(
    evolved: tuple[Path, str, list[str]],
) -> None:
    _, url, _ = evolved
    rows = query(url, "SELECT name, email, level, nick, code, tags, joined::text FROM users")
    assert [tuple(row) for row in rows] == [
        ("Ann", "ann@example.com", 1, "anon", None, ["a"], "2024-01-31")
    ]
    columns = {
        row["column_name"]
        for row in query(
            url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'"
        )
    }
    assert "bio" not in columns
    for gone in ("posts", "post_readers", "user_seen"):
        assert not query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = $1", gone)


def test_chain_downgrades_to_base_and_back(evolved: tuple[Path, str, list[str]]) -> None:
    project, url, _ = evolved
    down = alembic(project, url, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert not query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'users'")
    up = alembic(project, url, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    assert alembic(project, url, "check").returncode == 0


def test_evolved_project_passes_verify(
    evolved: tuple[Path, str, list[str]], postgres: LocalPostgres
) -> None:
    project, _, _ = evolved
    assert len(list((project / "migrations/versions").glob("*.py"))) == 16
    result = verify(project, database_url=postgres.create_database("evolution_verify"))
    assert {step.name: step.output for step in result.steps if not step.ok} == {}


def test_removed_resource_files_are_gone(evolved: tuple[Path, str, list[str]]) -> None:
    project, _, _ = evolved
    assert not (project / "app/models/post.py").exists()
    assert "posts" not in (project / "app/api/router.py").read_text()


def test_a_required_field_without_default_is_refused(shop_copy: Path) -> None:
    before = snapshot(shop_copy)
    with pytest.raises(BlueprintError, match="pass --backfill nickname=VALUE"):
        operations.add_field(shop_copy, "User", ["nickname:str"])
    assert snapshot(shop_copy) == before


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda p: operations.remove_resource(p, "User"),
            BlueprintError,
            "Post.author refers to it",
        ),
        (
            lambda p: operations.remove_field(p, "User", "nope"),
            BlueprintError,
            "has no field 'nope'",
        ),
        (
            lambda p: operations.add_field(p, "User", ["email:str"]),
            BlueprintError,
            "already has a field 'email'",
        ),
        (
            lambda p: operations.add_field(p, "User", ["x:int"], backfill=["oops"]),
            UsageError,
            "--backfill takes FIELD=VALUE",
        ),
        (
            lambda p: operations.add_field(p, "User", ["x:int"], backfill=["x=abc"]),
            BlueprintError,
            "default 'abc' is not a int value",
        ),
        (
            lambda p: operations.add_field(p, "User", ["handle:str:unique"], backfill=["handle=x"]),
            BlueprintError,
            "is unique, so one value for every stored row would collide",
        ),
        (
            lambda p: operations.add_field(p, "User", ["handle:str:unique"]),
            BlueprintError,
            "then drop :optional in backend.toml and run `backend-agent apply`",
        ),
        (
            lambda p: operations.add_field(p, "User", ["labels:list[str]"]),
            BlueprintError,
            "pass --backfill labels='[]'",
        ),
        (
            lambda p: operations.add_field(p, "User", ["labels:list[str]"], backfill=["labels=a"]),
            BlueprintError,
            'is not a list[str] value; write e.g. ["a", "b"] (JSON)',
        ),
        (
            lambda p: operations.add_field(
                p, "User", ["seen_at:datetime"], backfill=["seen_at=2024-01-31T12:30:00"]
            ),
            BlueprintError,
            "write e.g. 2024-01-31T12:30:00Z (with its time zone) or now",
        ),
        (
            lambda p: operations.add_field(p, "User", ["age2:int:min=0"], backfill=["age2=-1"]),
            BlueprintError,
            "outside the field's bounds",
        ),
        (
            lambda p: operations.add_field(p, "Nobody", ["x:int"]),
            BlueprintError,
            "unknown resource 'Nobody'",
        ),
        (
            lambda p: operations.change_operations(p, "User", []),
            BlueprintError,
            "has no operations",
        ),
        (
            lambda p: operations.add_resource(p, "Tag", ["x:str"], conflict_mode="merge"),
            UsageError,
            "--conflicts takes stop or markers",
        ),
    ],
)
def test_bad_evolution_input_changes_nothing(
    shop_copy: Path, call: Callable[[Path], object], error: type[Exception], message: str
) -> None:
    before = snapshot(shop_copy)
    with pytest.raises(error, match=re.escape(message)):
        call(shop_copy)
    assert snapshot(shop_copy) == before


def test_apply_on_a_broken_blueprint_changes_nothing(shop_copy: Path) -> None:
    edit_blueprint(shop_copy, '"email:email:unique"', '"email:emial:unique"')
    before = snapshot(shop_copy)
    with pytest.raises(BlueprintError, match="unknown type 'emial'"):
        operations.apply(shop_copy)
    assert snapshot(shop_copy) == before


def test_changing_a_field_type_is_refused(shop_copy: Path) -> None:
    edit_blueprint(shop_copy, '"age:int:optional:min=0:max=150"', '"age:str:optional"')
    with pytest.raises(BlueprintError, match="from int to str is not supported"):
        operations.apply(shop_copy)


def test_documents_stored_before_a_change_still_read_and_old_indexes_go(
    tmp_path: Path, postgres: LocalPostgres
) -> None:
    """MongoDB has no migrations: new fields read as their default in old documents, and an
    index the model no longer declares is dropped at start-up."""
    from backend_agent.serve import migrate
    from backend_agent.services import local_mongo
    from tests.helpers import running_app

    project = tmp_path / "reference"
    operations.new_project(project, blueprint=reference.without_accounts(tmp_path))
    with local_mongo() as mongo:
        env = {
            "DATABASE_URL": postgres.create_database("documents"),
            "MONGODB_URL": mongo.url(),
            "MONGODB_DATABASE": "documents",
        }
        migrate(project, env)
        with running_app(project, env) as url:
            user = httpx.post(f"{url}/users", json={"name": "Ann", "email": "a@example.com"}).json()
            stored = httpx.post(f"{url}/preferences", json={"user_id": user["id"]}).json()
        operations.add_field(project, "Preference", ["timezone:str:max=64:default=UTC"])
        edit_blueprint(project, '"user:ref(User):unique"', '"user:ref(User)"')
        operations.apply(project)
        with running_app(project, env) as url:
            again = httpx.get(f"{url}/preferences/{stored['id']}")
            assert again.status_code == 200
            assert again.json()["timezone"] == "UTC"
            second = httpx.post(f"{url}/preferences", json={"user_id": user["id"]})
            assert second.status_code == 201, second.text


def test_a_new_required_document_field_needs_a_default(tmp_path: Path) -> None:
    from tests.test_reference import COMMITTED

    project = tmp_path / "reference"
    operations.new_project(project, blueprint=COMMITTED / "backend.toml")
    with pytest.raises(BlueprintError, match="documents stored before it have no value"):
        operations.add_field(project, "Preference", ["timezone:str"])


def test_a_datetime_backfill_fills_the_rows_stored_before(
    shop_copy: Path, postgres: LocalPostgres
) -> None:
    url = postgres.create_database("datetime_backfill")
    assert alembic(shop_copy, url, "upgrade", "head").returncode == 0
    query(url, "INSERT INTO users (name, email, status) VALUES ('Ann', 'a@example.com', 'active')")
    operations.add_field(
        shop_copy, "User", ["seen_at:datetime"], backfill=["seen_at=2024-01-31T12:30:00+02:00"]
    )
    upgrade = alembic(shop_copy, url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    [row] = query(url, "SELECT seen_at FROM users")
    assert row["seen_at"] == datetime(2024, 1, 31, 10, 30, tzinfo=UTC)
