"""`[auth]` and `access` in backend.toml: how levels are read, and every blueprint refused
with the reason a user can act on."""

import pytest

from backend_agent.blueprint import parse_blueprint
from backend_agent.blueprint.access import Access, access_from_input
from backend_agent.blueprint.document import add_auth, set_access
from backend_agent.errors import BlueprintError

PROJECT = "[project]\nname = 'shop'\n"
ACCOUNTS = PROJECT + "[auth]\naccount = 'User'\n[resources.User]\nfields = ['email:email:unique']\n"


def test_levels_come_from_the_operation_then_the_resource_then_the_project() -> None:
    text = ACCOUNTS + (
        "[resources.Order]\naccess = { default = 'owner', read = 'public' }\n"
        "fields = ['total:int', 'buyer:ref(User)']\n"
        "[resources.Tag]\nfields = ['label:str']\n"
    )
    blueprint = parse_blueprint(text).blueprint
    order, tag = blueprint.resource("Order"), blueprint.resource("Tag")
    assert order is not None and tag is not None
    assert blueprint.access(order, "read") is Access.PUBLIC
    assert blueprint.access(order, "update") is Access.OWNER
    assert blueprint.access(tag, "delete") is Access.AUTHENTICATED
    owner = blueprint.owner_field(order)
    assert owner is not None and owner.name == "buyer"


def test_without_accounts_every_operation_is_public() -> None:
    blueprint = parse_blueprint(PROJECT + "[resources.Tag]\nfields = ['label:str']\n").blueprint
    tag = blueprint.resource("Tag")
    assert tag is not None and blueprint.access(tag, "create") is Access.PUBLIC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PROJECT + "[resources.Tag]\naccess = 'owner'\nfields = ['label:str']\n",
            "access other than public needs accounts; run `backend-agent add auth` first",
        ),
        (
            PROJECT + "[auth]\naccount = 'Member'\n",
            "auth.account: resource 'Member' does not exist",
        ),
        (
            PROJECT + "[auth]\n[resources.User]\nfields = ['name:str']\n",
            "needs a required unique email field: add email:email:unique",
        ),
        (
            PROJECT + "[auth]\n[resources.User]\nstore = 'mongo'\n"
            "fields = ['email:email:unique']\n",
            "accounts live in PostgreSQL",
        ),
        (
            ACCOUNTS.replace("'email:email:unique'", "'email:email:unique', 'is_admin:bool'"),
            "field 'is_admin' is reserved for accounts",
        ),
        (
            ACCOUNTS + "access = { create = 'owner' }\n",
            "create cannot be 'owner' (accounts are opened through POST /auth/register)",
        ),
        (
            ACCOUNTS + "[resources.Tag]\nops = ['read']\naccess = { list = 'public' }\n"
            "fields = ['label:str']\n",
            "access.list is set but the resource has no list operation",
        ),
        (
            ACCOUNTS + "[resources.Note]\naccess = 'owner'\nfields = ['text:str']\n",
            "owner access needs a field that holds the owning User: add owner:ref(User)",
        ),
        (
            ACCOUNTS + "[resources.Note]\naccess = 'owner'\n"
            "fields = ['author:ref(User)', 'editor:ref(User)']\n",
            "several fields refer to User (author, editor); say which holds the owner",
        ),
        (
            ACCOUNTS + "[resources.Note]\naccess = 'owner'\n"
            "fields = ['author:ref(User):optional']\n",
            "owner field 'author' must be required",
        ),
        (
            ACCOUNTS + "[resources.Note]\naccess = { default = 'owner', create = 'admin' }\n"
            "fields = ['author:ref(User)']\n",
            "create cannot be admin: a new row belongs to the account that creates it",
        ),
        (
            ACCOUNTS + "[resources.Note]\naccess = 'secret'\nfields = ['text:str']\n",
            "resources.Note",
        ),
    ],
)
def test_blueprints_that_cannot_work_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(BlueprintError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_blueprint(text)


def test_command_line_levels_become_rules() -> None:
    rules = access_from_input(["owner", "read=public"])
    assert (rules.default, rules.read) == (Access.OWNER, Access.PUBLIC)
    assert rules.to_toml() == {"default": "owner", "read": "public"}
    assert access_from_input(["admin"]).to_toml() == "admin"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["owner", "admin"], "default is given twice"),
        (["sell=public"], "sell=...: not an operation"),
        (["read=everyone"], "'everyone' is not a level (public, authenticated, owner, admin)"),
    ],
)
def test_bad_command_line_levels_are_one_line_errors(items: list[str], message: str) -> None:
    with pytest.raises(BlueprintError, match=message.replace("(", r"\(").replace(")", r"\)")):
        access_from_input(items)


def test_add_auth_creates_an_account_that_owns_itself_and_only_admins_list() -> None:
    document = add_auth(parse_blueprint(PROJECT), "User")
    text = document.dumps()
    assert '[auth]\naccount = "User"' in text
    user = document.blueprint.resource("User")
    assert user is not None
    assert [op.value for op in user.ops] == ["read", "list", "update", "delete"]
    assert document.blueprint.access(user, "list") is Access.ADMIN
    assert document.blueprint.access(user, "read") is Access.OWNER
    with pytest.raises(BlueprintError, match="auth is already set up"):
        add_auth(document, "User")


def test_set_access_keeps_the_users_comments() -> None:
    text = ACCOUNTS + "# Things people write.\n[resources.Note]\nfields = ['author:ref(User)']\n"
    document = set_access(parse_blueprint(text), "Note", access_from_input(["owner"]))
    assert "# Things people write." in document.dumps()
    note = document.blueprint.resource("Note")
    assert note is not None and document.blueprint.access(note, "list") is Access.OWNER
