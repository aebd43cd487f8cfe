"""`bulk` in ops and `soft_delete` in backend.toml: how they are read, and the blueprints
refused with the reason a user can act on."""

import pytest

from backend_agent.blueprint import parse_blueprint
from backend_agent.blueprint.access import Access
from backend_agent.blueprint.document import set_soft_delete
from backend_agent.blueprint.model import ALL_OPERATIONS, Operation
from backend_agent.errors import BlueprintError
from backend_agent.plan.migrations import schema_steps, write_migration

PROJECT = "[project]\nname = 'shop'\n"
ACCOUNTS = PROJECT + "[auth]\naccount = 'User'\n[resources.User]\nfields = ['email:email:unique']\n"


def test_bulk_is_only_there_when_asked_for() -> None:
    assert Operation.BULK not in ALL_OPERATIONS
    text = PROJECT + "[resources.Tag]\nops = ['create', 'bulk']\nfields = ['label:str']\n"
    tag = parse_blueprint(text).blueprint.resource("Tag")
    assert tag is not None and tag.has(Operation.BULK)


def test_bulk_takes_the_level_of_create_unless_given_its_own() -> None:
    text = ACCOUNTS + (
        "[resources.Tag]\nops = ['create', 'bulk', 'read']\n"
        "access = { default = 'public', create = 'authenticated' }\nfields = ['label:str']\n"
        "[resources.Label]\nops = ['create', 'bulk']\naccess = { bulk = 'admin' }\n"
        "fields = ['text:str']\n"
    )
    blueprint = parse_blueprint(text).blueprint
    tag, label = blueprint.resource("Tag"), blueprint.resource("Label")
    assert tag is not None and label is not None
    assert blueprint.access(tag, "bulk") is Access.AUTHENTICATED
    assert blueprint.access(label, "bulk") is Access.ADMIN
    assert blueprint.access(label, "create") is Access.AUTHENTICATED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PROJECT + "[resources.Tag]\nops = ['read', 'bulk']\nfields = ['label:str']\n",
            "resource 'Tag': bulk stores many creates at once and needs the create operation",
        ),
        (
            ACCOUNTS.replace(
                "[resources.User]\n",
                "[resources.User]\nops = ['create', 'read', 'bulk']\naccess = 'admin'\n",
            ),
            "accounts are opened one at a time through POST /auth/register; remove bulk",
        ),
        (
            ACCOUNTS + "[resources.Order]\nops = ['create', 'bulk', 'read']\n"
            "access = { default = 'owner', bulk = 'admin' }\nfields = ['buyer:ref(User)']\n",
            "bulk cannot be admin: a new row belongs to the account that creates it",
        ),
    ],
)
def test_blueprints_that_cannot_work_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(BlueprintError, match=message):
        parse_blueprint(text)


SOFT_TAG = "[resources.Tag]\nsoft_delete = true\nfields = ['label:str:unique', 'rank:int']\n"
TAG = SOFT_TAG.replace("soft_delete = true\n", "")


def test_soft_delete_keeps_a_deleted_at_column_in_no_schema_of_the_api() -> None:
    blueprint = parse_blueprint(PROJECT + SOFT_TAG).blueprint
    tag = blueprint.resource("Tag")
    assert tag is not None and tag.soft_delete
    assert "deleted_at" in [spec.name for spec in blueprint.stored_fields(tag)]
    assert "deleted_at" not in [spec.name for spec in tag.stored_fields]
    plain = parse_blueprint(PROJECT + TAG).blueprint.resource("Tag")
    assert plain is not None and not plain.soft_delete


def test_turning_soft_delete_on_adds_deleted_at_before_the_partial_unique_index() -> None:
    before = parse_blueprint(PROJECT + TAG).blueprint
    after = parse_blueprint(PROJECT + SOFT_TAG).blueprint
    steps = schema_steps(before, after)
    assert [(step.kind, (step.new or step.old).name) for step in steps] == [  # type: ignore[union-attr]
        ("add_column", "deleted_at"),
        ("alter_column", "label"),
    ]
    migration = write_migration(steps, {})
    assert migration is not None
    upgrade, downgrade = migration.text.split("def downgrade")
    assert 'op.drop_constraint(op.f("uq_tags_label"), "tags", type_="unique")' in upgrade
    assert 'postgresql_where=sa.text("deleted_at IS NULL")' in upgrade
    assert 'op.create_unique_constraint(op.f("uq_tags_label"), "tags", ["label"])' in downgrade


def test_turning_soft_delete_off_removes_the_deleted_rows_first() -> None:
    before = parse_blueprint(PROJECT + SOFT_TAG).blueprint
    after = parse_blueprint(PROJECT + TAG).blueprint
    steps = schema_steps(before, after)
    assert [step.kind for step in steps] == ["purge_deleted", "alter_column", "drop_column"]
    migration = write_migration(steps, {})
    assert migration is not None
    assert "DELETE FROM tags WHERE deleted_at IS NOT NULL" in migration.text


def test_a_new_soft_deleted_table_has_partial_unique_indexes_not_constraints() -> None:
    migration = write_migration(
        schema_steps(None, parse_blueprint(PROJECT + SOFT_TAG).blueprint), {}
    )
    assert migration is not None
    assert "sa.UniqueConstraint" not in migration.text
    assert 'op.f("uq_tags_label")' in migration.text


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (
            "store = 'mongo'\nsoft_delete = true\n",
            "store = 'mongo'\n",
            "documents deleted with soft delete would read as live again",
        ),
        (
            "store = 'mongo'\n",
            "store = 'mongo'\nsoft_delete = true\n",
            "documents stored before soft delete have no deleted_at",
        ),
    ],
)
def test_soft_delete_of_stored_documents_keeps_its_setting(
    before: str, after: str, message: str
) -> None:
    fields = "fields = ['label:str:unique']\n"
    old = parse_blueprint(f"{PROJECT}[resources.Tag]\n{before}{fields}").blueprint
    new = parse_blueprint(f"{PROJECT}[resources.Tag]\n{after}{fields}").blueprint
    with pytest.raises(BlueprintError, match=message):
        schema_steps(old, new)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PROJECT + SOFT_TAG.replace("'rank:int'", "'deleted_at:datetime'"),
            "field 'deleted_at' is kept by the server with soft_delete = true",
        ),
        (
            ACCOUNTS.replace("[resources.User]\n", "[resources.User]\nsoft_delete = true\n"),
            "accounts are deleted for good; remove soft_delete",
        ),
    ],
)
def test_soft_delete_blueprints_that_cannot_work_are_refused(text: str, message: str) -> None:
    with pytest.raises(BlueprintError, match=message):
        parse_blueprint(text)


def test_soft_delete_is_turned_on_and_off_in_the_document_keeping_comments() -> None:
    document = parse_blueprint(PROJECT + "# tags\n" + TAG)
    on = set_soft_delete(document, "Tag", True)
    assert "soft_delete = true" in on.document.as_string()
    assert "# tags" in on.document.as_string()
    off = set_soft_delete(on, "Tag", False)
    assert "soft_delete" not in off.document.as_string()


def test_bulk_of_a_table_with_nothing_but_an_id_is_refused_in_one_line() -> None:
    """Found by the blueprint fuzzer: the multi-row INSERT of no columns stored one row."""
    text = '[project]\nname = "shop"\n[resources.Tag]\nops = ["create", "bulk"]\nfields = []\n'
    with pytest.raises(BlueprintError, match="bulk inserts rows of its fields and it has none"):
        parse_blueprint(text)
