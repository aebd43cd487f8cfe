"""What `new`, `add resource`, `apply` and `undo` write, and what they refuse to touch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backend_agent import operations
from backend_agent.blueprint import parse_blueprint
from backend_agent.errors import BlueprintError, ProjectError, UsageError
from backend_agent.plan.migrations import schema_steps, write_migration
from backend_agent.plan.router import register_routers
from tests.helpers import snapshot

CONTRACT = [
    "app/main.py",
    "app/core/config.py",
    "app/core/logging.py",
    "app/core/errors.py",
    "app/db/postgres.py",
    "app/api/deps.py",
    "app/api/errors.py",
    "app/api/router.py",
    "app/api/routes/health.py",
    "app/models/user.py",
    "app/services/users.py",
    "app/api/routes/users.py",
    "tests/test_users.py",
    "tests/conftest.py",
    "alembic.ini",
    "migrations/env.py",
    "pyproject.toml",
    ".env.example",
    "README.md",
    "Dockerfile",
    ".github/workflows/ci.yml",
    "backend.toml",
]


def test_project_has_the_layered_layout(shop_project: Path) -> None:
    missing = [path for path in CONTRACT if not (shop_project / path).is_file()]
    assert missing == []
    migrations = sorted(p.name for p in (shop_project / "migrations/versions").glob("*.py"))
    assert migrations == [
        "0001_create_keys_table_idempotency_keys.py",
        "0002_create_table_users.py",
        "0003_create_table_posts.py",
        "0004_create_table_products.py",
    ]


def test_no_generated_file_imports_backend_agent(shop_project: Path) -> None:
    for path in shop_project.rglob("*.py"):
        if ".backend-agent" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names] + [getattr(node, "module", "") or ""]
                assert not any(name.startswith("backend_agent") for name in names), path


def test_services_do_not_import_fastapi(shop_project: Path) -> None:
    for path in (shop_project / "app/services").glob("*.py"):
        assert "fastapi" not in path.read_text(), path


def test_settings_have_no_secret_defaults(shop_project: Path) -> None:
    config = (shop_project / "app/core/config.py").read_text()
    assert "database_url: SecretStr\n" in config


def test_migration_chain_is_linear(shop_project: Path) -> None:
    texts = [p.read_text() for p in sorted((shop_project / "migrations/versions").glob("*.py"))]
    assert "down_revision: str | None = None" in texts[0]
    for number, text in enumerate(texts[1:], 1):
        assert f'down_revision: str | None = "{number:04d}"' in text
    assert "sa.ForeignKeyConstraint" in texts[2]
    assert 'ondelete="RESTRICT"' in texts[2]


def test_new_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="is not empty; pick an empty directory or pass --force"):
        operations.new_project(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_new_with_force_keeps_unrelated_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    operations.new_project(tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "app/main.py").is_file()


def test_new_leaves_nothing_behind_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(operations, "apply_changes", broken)
    with pytest.raises(OSError, match="disk full"):
        operations.new_project(tmp_path / "shop")
    assert list(tmp_path.iterdir()) == []


def test_add_resource_keeps_edits_to_the_router_file(shop_copy: Path) -> None:
    router = shop_copy / "app/api/router.py"
    edited = router.read_text().replace(
        "routers: list[APIRouter] = [",
        "# Our own routers go below.\nrouters: list[APIRouter] = [",
    )
    router.write_text(edited)
    operations.add_resource(shop_copy, "Tag", ["label:str:unique"])
    text = router.read_text()
    assert "# Our own routers go below." in text
    assert "    tags.router,\n" in text
    assert text.count("users.router") == 1


LEGACY_ROUTER = """from fastapi import APIRouter

from app.api.routes import health, users

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(users.router)
"""


def test_an_older_projects_router_file_becomes_the_list() -> None:
    """Projects made before the list included one router that included the others."""
    text = register_routers(LEGACY_ROUTER, ["users", "tags"])
    assert "api_router" not in text
    assert "routers: list[APIRouter] = [health.router,users.router,tags.router,]" in text


def test_an_older_router_with_options_of_its_own_stays_in_the_list() -> None:
    legacy = LEGACY_ROUTER + 'api_router.include_router(users.router, prefix="/v2")\n'
    text = register_routers(legacy, ["users"])
    assert 'api_router.include_router(users.router, prefix="/v2")' in text
    assert "routers: list[APIRouter] = [api_router,health.router,users.router,]" in text


def test_a_router_file_without_the_list_is_refused_in_one_line() -> None:
    with pytest.raises(ProjectError, match="no `routers` list"):
        register_routers("from fastapi import APIRouter\n", ["users"])


def test_user_edits_to_generated_code_survive_regeneration(shop_copy: Path) -> None:
    service = shop_copy / "app/services/users.py"
    service.write_text(service.read_text() + '\n\nGREETING = "hello"\n')
    operations.add_resource(shop_copy, "Tag", ["label:str"])
    assert 'GREETING = "hello"' in service.read_text()


def test_a_deleted_generated_file_stays_deleted(shop_copy: Path) -> None:
    (shop_copy / "Dockerfile").unlink()
    outcome = operations.add_resource(shop_copy, "Tag", ["label:str"])
    assert not (shop_copy / "Dockerfile").exists()
    assert "Dockerfile" not in [change.path for change in outcome.written]


def test_dry_run_writes_nothing_and_shows_the_diff(shop_copy: Path) -> None:
    before = snapshot(shop_copy)
    outcome = operations.add_resource(shop_copy, "Tag", ["label:str"], dry_run=True)
    assert snapshot(shop_copy) == before
    diffs = {change.path: change.diff() for change in outcome.written}
    assert "+class Tag(TagBase, table=True):" in diffs["app/models/tag.py"]
    assert outcome.migration is not None
    assert outcome.migration.path == "migrations/versions/0005_create_table_tags.py"


def test_apply_is_idempotent(shop_copy: Path) -> None:
    assert operations.apply(shop_copy).written == []
    blueprint = shop_copy / "backend.toml"
    blueprint.write_text(
        blueprint.read_text() + '\n[resources.Tag]\n# hand-written\nfields = ["label:str"]\n'
    )
    first = operations.apply(shop_copy)
    assert "app/models/tag.py" in [change.path for change in first.written]
    assert first.migration is not None
    assert "# hand-written" in blueprint.read_text()
    assert operations.apply(shop_copy).written == []


def test_undo_restores_the_project(shop_copy: Path) -> None:
    before = snapshot(shop_copy)
    operations.add_resource(shop_copy, "Tag", ["label:str"])
    command, _ = operations.undo(shop_copy)
    assert command == "add resource Tag"
    after = snapshot(shop_copy)
    assert {k: v for k, v in after.items() if ".backend-agent/history" not in k} == {
        k: v for k, v in before.items() if ".backend-agent/history" not in k
    }


def test_bad_input_leaves_the_project_unchanged(shop_copy: Path) -> None:
    before = snapshot(shop_copy)
    for call in (
        lambda: operations.add_resource(shop_copy, "User", ["x:str"]),
        lambda: operations.add_resource(shop_copy, "Tag", ["x:strng"]),
        lambda: operations.add_resource(shop_copy, "Tag", ["owner:ref(Nobody)"]),
        lambda: operations.add_resource(shop_copy, "Tag", ["x:str"], ops=["create", "fly"]),
    ):
        with pytest.raises(BlueprintError):
            call()
    assert snapshot(shop_copy) == before


def test_a_malformed_blueprint_is_reported_not_overwritten(shop_copy: Path) -> None:
    (shop_copy / "backend.toml").write_text("[project\n")
    before = snapshot(shop_copy)
    with pytest.raises(BlueprintError, match="not valid TOML"):
        operations.add_resource(shop_copy, "Tag", ["label:str"])
    assert snapshot(shop_copy) == before


def test_a_directory_without_blueprint_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="is not a backend-agent project"):
        operations.add_resource(tmp_path, "Tag", ["label:str"])


def test_migration_file_names_end_on_a_whole_word() -> None:
    text = (
        "[project]\nname = 'blog'\n[resources.Author]\nfields = ['name:str']\n"
        "[resources.Article]\nfields = ['title:str', 'author:ref(Author)']\n"
    )
    steps = schema_steps(None, parse_blueprint(text).blueprint)
    migration = write_migration(steps, {})
    assert migration is not None
    assert migration.path == "migrations/versions/0001_create_table_authors_create_table.py"


def test_resources_get_only_the_schemas_and_paths_of_their_operations(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "ProductTag", ["label:str"], ops=["create", "read"])
    model = (root / "app/models/product_tag.py").read_text()
    assert "class ProductTagCreate" in model
    assert "class ProductTagUpdate" not in model
    assert "Input of POST /product-tags." in model
    assert "/product_tags" not in model


def test_deleting_a_row_with_documents_needs_no_mongodb_transaction(shop_project: Path) -> None:
    """A standalone mongod refuses transactions (SecantusDB accepts them, so only the code
    can show this): the cascade deletes documents with plain, repeatable deletes."""
    services = "".join(path.read_text() for path in (shop_project / "app/services").glob("*.py"))
    assert "delete_by_product" in services
    assert "start_transaction" not in services
    assert "start_session" not in services


LINKED = (
    "[project]\nname = 'shop'\n[resources.Product]\nfields = ['name:str', 'tags:many(Tag)']\n"
    "[resources.Tag]\nfields = ['name:str']\n"
)


def test_a_link_table_comes_after_both_its_tables_and_goes_before_them() -> None:
    linked = parse_blueprint(LINKED).blueprint
    created = [(step.kind, step.table) for step in schema_steps(None, linked)]
    assert created[-1] == ("create_link_table", "product_tags")
    assert {table for _, table in created[:-1]} == {"products", "tags"}
    unlinked = parse_blueprint(LINKED.replace(", 'tags:many(Tag)'", "")).blueprint
    assert [step.kind for step in schema_steps(linked, unlinked)] == ["drop_link_table"]
    without = parse_blueprint("[project]\nname = 'shop'\n").blueprint
    dropped = [(step.kind, step.table) for step in schema_steps(linked, without)]
    assert dropped[0] == ("drop_link_table", "product_tags")
    migration = write_migration(schema_steps(unlinked, linked), {})
    assert migration is not None
    assert 'ondelete="CASCADE"' in migration.text
    assert 'sa.PrimaryKeyConstraint("product_id", "tag_id"' in migration.text
    assert 'op.drop_table("product_tags")' in migration.text.split("def downgrade")[1]


def test_many_fields_stay_out_of_input_schemas_and_agent_tools(tmp_path: Path) -> None:
    """Links change through their own routes only: creating or updating a product takes no
    tags, so tools built from those schemas need none either."""
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Tag", ["name:str"])
    operations.add_resource(root, "Product", ["name:str", "tags:many(Tag)"])
    model = (root / "app/models/product.py").read_text()
    schemas = model.split("class ProductCreate")[1]
    assert "tags" not in schemas.split("class ProductRead")[0]
    assert "class ProductTagsLink(SQLModel, table=True)" in model
    routes = (root / "app/api/routes/products.py").read_text()
    assert '@router.put(\n    "/{product_id}/tags/{tag_id}"' in routes


def test_a_many_field_on_stored_documents_needs_no_default() -> None:
    """A document stored before its links existed simply has none."""
    text = (
        "[project]\nname = 'blog'\n[resources.Post]\nstore = 'mongo'\nfields = ['title:str']\n"
        "[resources.Label]\nstore = 'mongo'\nfields = ['name:str']\n"
    )
    before = parse_blueprint(text).blueprint
    after = parse_blueprint(text.replace("['title:str']", "['title:str', 'labels:many(Label)']"))
    assert schema_steps(before, after.blueprint) == []


def test_ids_put_the_linked_ids_in_answers_only_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Tag", ["name:str"])
    operations.add_resource(root, "Product", ["name:str", "tags:many(Tag):ids"])
    operations.add_resource(root, "Label", ["name:str"], store="mongo")
    operations.add_resource(root, "Post", ["title:str", "labels:many(Label)"], store="mongo")
    product = (root / "app/models/product.py").read_text()
    assert "    tags: list[int] = []" in product.split("class ProductRead")[1]
    service = (root / "app/services/products.py").read_text()
    assert "return await read_with_links(session, product)" in service
    post = (root / "app/models/post.py").read_text()
    assert "labels" not in post.split("class PostRead")[1]


def test_two_refs_to_one_resource_get_tests_of_their_own(tmp_path: Path) -> None:
    """Found by the blueprint fuzzer: bulk tests were named after the referenced resource, so
    two refs to it (`book`, `book_2`) wrote one test twice (ruff F811)."""
    root = tmp_path / "library"
    operations.new_project(root)
    operations.add_resource(root, "Book", ["title:str"])
    operations.add_resource(
        root, "Tag", ["book:ref(Book)", "book_2:ref(Book)"], ops=["create", "list", "bulk"]
    )
    tree = ast.parse((root / "tests/test_tags.py").read_text())
    names = [node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef)]
    assert len(names) == len(set(names))
    assert "test_bulk_create_tags_with_missing_book_2_is_409_naming_the_item" in names
