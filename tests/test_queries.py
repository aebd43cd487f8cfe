"""Timestamps and list queries: what the blueprint declares becomes columns, indexes and
query parameters (the generated projects' own tests exercise them on real databases)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend_agent import operations
from backend_agent.blueprint import parse_blueprint
from backend_agent.blueprint.fields import parse_field
from backend_agent.errors import BlueprintError
from backend_agent.plan.migrations import schema_steps, write_migration

PROJECT = '[project]\nname = "shop"\n'


def blueprint(resources: str) -> str:
    return PROJECT + resources


def test_a_new_resource_keeps_timestamps_the_client_cannot_write(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Order", ["total:int"])
    assert "timestamps = true" in (root / "backend.toml").read_text()
    model = (root / "app/models/order.py").read_text()
    create_schema = model.split("class OrderBase")[1].split("class Order(")[0]
    assert "created_at" not in create_schema
    assert "created_at: AwareDatetime" in model.split("class OrderRead")[1]
    service = (root / "app/services/orders.py").read_text()
    assert 'changes["updated_at"] = utc_now()' in service
    migration = next((root / "migrations/versions").glob("*orders*.py")).read_text()
    column = '"updated_at", sa.DateTime(timezone=True), nullable=False, server_default='
    assert column in migration
    assert migration.count("server_default=sa.func.now()") == 2


def test_timestamps_can_be_left_out(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Tag", ["label:str"], timestamps=False)
    assert "timestamps = false" in (root / "backend.toml").read_text()
    assert "created_at" not in (root / "app/models/tag.py").read_text()


def test_a_blueprint_without_the_key_keeps_its_shape() -> None:
    """Blueprints written before timestamps existed must not grow columns on `apply`."""
    parsed = parse_blueprint(blueprint('[resources.Tag]\nfields = ["label:str"]\n')).blueprint
    tag = parsed.resource("Tag")
    assert tag is not None
    assert [field.name for field in tag.stored_fields] == ["label"]


def test_turning_timestamps_on_fills_stored_rows_with_the_time_of_the_migration() -> None:
    before = parse_blueprint(blueprint('[resources.Tag]\nfields = ["label:str"]\n')).blueprint
    after = parse_blueprint(
        blueprint('[resources.Tag]\ntimestamps = true\nfields = ["label:str"]\n')
    ).blueprint
    steps = schema_steps(before, after)
    assert [(step.kind, step.new and step.new.name) for step in steps] == [
        ("add_column", "created_at"),
        ("add_column", "updated_at"),
    ]
    migration = write_migration(steps, {})
    assert migration is not None
    assert ".values(created_at=sa.func.now())" in migration.text


def test_timestamps_cannot_be_turned_on_for_stored_documents() -> None:
    text = '[resources.Note]\nstore = "mongo"\nfields = ["body:text"]\n'
    before = parse_blueprint(blueprint(text)).blueprint
    kept = text.replace("fields", "timestamps = true\nfields")
    after = parse_blueprint(blueprint(kept)).blueprint
    with pytest.raises(BlueprintError, match="timestamps = false"):
        schema_steps(before, after)


def test_a_field_named_like_a_timestamp_is_refused_while_they_are_kept() -> None:
    text = '[resources.Tag]\ntimestamps = true\nfields = ["created_at:datetime"]\n'
    with pytest.raises(BlueprintError, match="kept by the server"):
        parse_blueprint(blueprint(text))


@pytest.mark.parametrize(
    "spec",
    [
        "price:decimal:filter:sort:min=0",
        "status:enum(a|b):filter",
        "owner:ref(User):sort",
        "body:text:search",
        "name:str:unique:filter:sort:search:max=80",
    ],
)
def test_filter_and_sort_are_modifiers_written_back_as_given(spec: str) -> None:
    assert parse_field(spec).to_spec() == spec


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("meta:json:filter", "filter is not supported on json"),
        ("body:text:sort", "sort is not supported on text"),
        ("tags:list[str]:filter", "filter is not supported on list[str]"),
        ("owner:ref(User):filter", "already filter by a ref's id"),
        ("price:int:filter=1", "takes no value"),
        ("price:int:search", "search finds text"),
        ("meta:json:search", "search finds text"),
    ],
)
def test_filter_and_sort_are_refused_where_no_index_serves_them(spec: str, problem: str) -> None:
    with pytest.raises(BlueprintError, match=re.escape(problem)):
        parse_field(spec)


@pytest.mark.parametrize(
    "fields",
    [
        '["price:int:filter", "price_min:int:filter"]',
        '["limit:int:filter"]',
        '["name:str:search", "name_prefix:str:filter"]',
        '["owner:ref(Tag):optional", "owner_id:int:filter"]',
    ],
)
def test_two_query_parameters_of_one_name_are_refused(fields: str) -> None:
    text = f"[resources.Tag]\nfields = []\n[resources.Item]\nfields = {fields}\n"
    with pytest.raises(BlueprintError, match=r"query parameter|defined twice"):
        parse_blueprint(blueprint(text))


def test_filters_and_sort_keys_become_documented_query_parameters(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(
        root,
        "Product",
        ["name:str:sort", "price:decimal:filter:sort", "status:enum(on|off):filter"],
    )
    model = (root / "app/models/product.py").read_text()
    assert 'SORT_KEYS = ["id", "name", "price", "created_at", "updated_at"]' in model
    for parameter in ("price: list[QueryDecimal]", "price_min:", "price_max:", "status:"):
        assert parameter in model
    assert "created_at_min: QueryDatetime | None" in model
    route = (root / "app/api/routes/products.py").read_text()
    assert "query: Annotated[ProductListQuery, Query()]" in route
    migration = next((root / "migrations/versions").glob("*products*.py")).read_text()
    for column in ("name", "price", "status", "created_at"):
        assert f'op.create_index(op.f("ix_products_{column}")' in migration
    assert (root / "tests/test_products_queries.py").is_file()


def test_a_list_without_filters_keeps_its_plain_path(tmp_path: Path) -> None:
    """No filter and no timestamps: the list and the project stay as they were."""
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Tag", ["label:str"], timestamps=False)
    assert "ListQuery" not in (root / "app/services/tags.py").read_text()
    assert not (root / "app/models/queries.py").exists()
    assert not (root / "tests/test_tags_queries.py").exists()


def test_filtering_an_existing_field_adds_its_index() -> None:
    before = parse_blueprint(blueprint('[resources.Tag]\nfields = ["rank:int"]\n')).blueprint
    after = parse_blueprint(blueprint('[resources.Tag]\nfields = ["rank:int:filter"]\n'))
    migration = write_migration(schema_steps(before, after.blueprint), {})
    assert migration is not None
    assert 'op.create_index(op.f("ix_tags_rank"), "tags", ["rank"])' in migration.text
    assert 'op.drop_index(op.f("ix_tags_rank"), table_name="tags")' in migration.text


def test_a_searched_field_gets_a_trigram_index_the_model_declares_too(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Article", ["title:str:search", "body:text:optional:search"])
    migration = next((root / "migrations/versions").glob("*articles*.py")).read_text()
    assert 'op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")' in migration
    assert 'postgresql_ops={"body": "gin_trgm_ops"}' in migration
    assert 'op.drop_index(op.f("ix_articles_title_trgm"), table_name="articles")' in migration
    model = (root / "app/models/article.py").read_text()
    assert '"ix_articles_title_trgm",' in model
    for parameter in ("title_prefix: Text | None", "body_contains: Text | None"):
        assert parameter in model
    service = (root / "app/services/articles.py").read_text()
    assert '"title_prefix": col(Article.title).ilike(bindparam("title_prefix")' in service
    assert 'values["title_prefix"] = f"{escape_like(query.title_prefix)}%"' in service


def test_searching_an_existing_field_adds_its_trigram_index() -> None:
    before = parse_blueprint(blueprint('[resources.Tag]\nfields = ["label:str"]\n')).blueprint
    after = parse_blueprint(blueprint('[resources.Tag]\nfields = ["label:str:search"]\n'))
    migration = write_migration(schema_steps(before, after.blueprint), {})
    assert migration is not None
    upgrade, downgrade = migration.text.split("def downgrade")
    assert 'op.f("ix_tags_label_trgm")' in upgrade
    assert 'op.drop_index(op.f("ix_tags_label_trgm"), table_name="tags")' in downgrade


def test_lists_with_queries_page_by_cursor_over_keys_that_are_never_empty(
    tmp_path: Path,
) -> None:
    root = tmp_path / "shop"
    operations.new_project(root)
    operations.add_resource(root, "Product", ["name:str:sort", "rank:int:optional:sort"])
    model = (root / "app/models/product.py").read_text()
    assert '"name": TypeAdapter(str),' in model
    assert '"created_at": TypeAdapter(AwareDatetime),' in model
    assert '"rank"' not in model.split("CURSOR_TYPES")[1].split('"""')[0]
    route = (root / "app/api/routes/products.py").read_text()
    assert "-> KeysetPage[ProductRead]:" in route
    service = (root / "app/services/products.py").read_text()
    assert "if query.cursor is not None:" in service
    assert '"_after_id" in given' in service
    fuzz = (root / "tests/test_api_fuzz.py").read_text()
    assert "excluded.append(positive_data_acceptance)" in fuzz
