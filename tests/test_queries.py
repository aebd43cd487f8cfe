"""Timestamps and list queries: what the blueprint declares becomes columns, indexes and
query parameters (the generated projects' own tests exercise them on real databases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent import operations
from backend_agent.blueprint import parse_blueprint
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
    assert 'sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)' in migration


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
