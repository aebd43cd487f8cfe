"""backend.toml: parsing, cross-resource rules, and edits that keep the user's comments."""

import pytest

from backend_agent.blueprint import Resource, parse_blueprint
from backend_agent.blueprint.document import add_resource, remove_resource
from backend_agent.errors import BlueprintError

BLUEPRINT = """\
# Our shop's backend.
[project]
name = "shop"  # the Python-friendly name
description = "Sells things."

[resources.User]
# People who buy things.
fields = [
    "name:str:min=1:max=100",
    "email:email:unique",  # must be unique
]
"""


def test_parses_resources_with_defaults() -> None:
    blueprint = parse_blueprint(BLUEPRINT).blueprint
    user = blueprint.resource("User")
    assert user is not None
    assert user.store == "postgres"
    assert [op.value for op in user.ops] == ["create", "read", "list", "update", "delete"]
    assert [field.name for field in user.fields] == ["name", "email"]
    assert (user.snake, user.plural) == ("user", "users")


def test_adding_a_resource_keeps_comments_and_order() -> None:
    document = parse_blueprint(BLUEPRINT)
    post = Resource.model_validate({"name": "Post", "fields": ["title:str", "author:ref(User)"]})
    text = add_resource(document, post).dumps()
    assert text.startswith(BLUEPRINT)
    assert '[resources.Post]\nops = ["create", "read", "list", "update", "delete"]' in text
    assert '"author:ref(User)",' in text
    assert parse_blueprint(text).blueprint.resource("Post") is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\nname = 1", "not valid TOML"),
        ("[project]\nname = 'shop'\nversion = 2\n", "project.version: unknown key; remove it"),
        ("[resources.User]\nfields = ['a:str']\n", "project: Field required"),
        ("[project]\nname = 'My Shop'\n", "project name 'My Shop' must be snake_case"),
        (
            "[project]\nname = 'shop'\n[resources.User]\nfields = ['email:emial']\n",
            "resources.User: field 'email': unknown type 'emial'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['owner:ref(User)']\n",
            "refers to unknown resource 'User'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.User]\nfields = ['a:str', 'a:int']\n",
            "field 'a' is defined twice",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['tags:many(Tag)']\n",
            "field 'tags' links to unknown resource 'Tag'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['related:many(Post)']\n",
            "links Post to itself, which many(...) does not support",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['tags:many(Tag)']\n"
            "[resources.Tag]\nstore = 'mongo'\n",
            "links postgres resource 'Post' to mongo resource 'Tag': many(...) links resources "
            "of one store only",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['tags:many(Tag)', 'tags:str']\n"
            "[resources.Tag]\n",
            "field 'tags' is defined twice",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['tags:many(Tag)']\n"
            "[resources.Tag]\n[resources.PostTag]\n",
            "keeps its links in table 'post_tags', already the table of resource 'PostTag'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\nfields = ['sort:many(Tag)']\n"
            "[resources.Tag]\n",
            "many field 'sort' takes the query parameter 'sort', already used by the paging",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Post]\n"
            "fields = ['price:int:filter', 'price_min:many(Tag)']\n[resources.Tag]\n",
            "'price' takes the query parameter 'price_min', already used by the many field",
        ),
        (
            "[project]\nname = 'shop'\n[resources.User]\n"
            "fields = ['owner:ref(User)', 'owner_id:int']\n",
            "field 'owner_id' is defined twice",
        ),
        (
            "[project]\nname = 'shop'\n[resources.user]\nfields = ['a:str']\n",
            "resource name 'user' must be PascalCase",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Page]\nfields = ['a:str']\n",
            "resource name 'Page' is reserved",
        ),
        (
            "[project]\nname = 'shop'\n[resources.User]\nops = ['create', 'fly']\n",
            "resources.User.ops.1: Input should be 'create', 'read', 'list', 'update', 'delete' "
            "or 'bulk'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.User]\nstore = 'redis'\n",
            "resources.User.store: Input should be 'postgres' or 'mongo'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.User]\nops = []\n",
            "resource 'User' has no operations",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Box]\n[resources.Boxes]\n",
            "clashes with 'Box'",
        ),
        (
            "[project]\nname = 'shop'\n[resources.Category]\nfields = ['parent:ref(Category)']\n",
            "required refs form a loop (Category.parent -> Category)",
        ),
        (
            "[project]\nname = 'shop'\n[resources.A]\nfields = ['b:ref(B)']\n"
            "[resources.B]\nfields = ['a:ref(A)']\n",
            "make one of them optional",
        ),
    ],
)
def test_invalid_blueprints_fail_with_one_line(text: str, message: str) -> None:
    with pytest.raises(BlueprintError) as raised:
        parse_blueprint(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_adding_an_existing_resource_is_refused() -> None:
    document = parse_blueprint(BLUEPRINT)
    with pytest.raises(BlueprintError, match="resource 'User' already exists"):
        add_resource(document, Resource(name="User"))


def test_a_resource_linked_to_cannot_be_removed_before_the_link() -> None:
    text = (
        "[project]\nname = 'shop'\n[resources.Product]\nfields = ['tags:many(Tag)']\n"
        "[resources.Tag]\nfields = ['name:str']\n"
    )
    with pytest.raises(BlueprintError, match=r"Product.tags refers to it; remove those fields"):
        remove_resource(parse_blueprint(text), "Tag")
    assert parse_blueprint(text).blueprint.resource("Product") is not None
    remaining = remove_resource(parse_blueprint(text), "Product").blueprint
    assert [resource.name for resource in remaining.resources] == ["Tag"]
