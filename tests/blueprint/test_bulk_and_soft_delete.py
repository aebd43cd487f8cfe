"""`bulk` in ops and `soft_delete` in backend.toml: how they are read, and the blueprints
refused with the reason a user can act on."""

import pytest

from backend_agent.blueprint import parse_blueprint
from backend_agent.blueprint.access import Access
from backend_agent.blueprint.model import ALL_OPERATIONS, Operation
from backend_agent.errors import BlueprintError

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
