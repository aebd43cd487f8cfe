"""Counters, counts per value and transitions in backend.toml: what they accept and how they
refuse the rest, in one line naming what to write."""

import pytest

from backend_agent.blueprint import parse_blueprint, parse_field
from backend_agent.blueprint.document import add_resource, new_document, remove_field
from backend_agent.blueprint.model import resource_from_input
from backend_agent.errors import BlueprintError

STATUS = "status:enum(draft|published|archived):default=draft"


def blueprint(fields: list[str], transitions: str = "") -> str:
    specs = ", ".join(f'"{spec}"' for spec in fields)
    moves = f"transitions = {transitions}\n" if transitions else ""
    return f'[project]\nname = "shop"\n\n[resources.Article]\n{moves}fields = [{specs}]\n'


def test_a_counter_starts_at_0_and_writes_no_default() -> None:
    field = parse_field("views:int:counter:sort")
    assert (field.counter, field.default, field.sort) == (True, 0, True)
    assert field.to_spec() == "views:int:sort:counter"
    assert parse_field(field.to_spec()) == field


def test_group_is_a_flag() -> None:
    assert parse_field(f"{STATUS}:group").group
    assert parse_field("customer:ref(Customer):group").to_spec() == "customer:ref(Customer):group"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "views:float:counter",
            "field 'views': counter applies to int fields, e.g. views:int:counter",
        ),
        ("views:int:counter:min=1", "a counter starts at 0 and only grows; drop min"),
        ("views:int:counter:optional", "a counter starts at 0 and only grows; drop optional"),
        ("views:int:default=3:counter", "a counter starts at 0 and only grows; drop default"),
        ("views:int:counter:unique", "a counter starts at 0 and only grows; drop unique"),
        ("notes:text:group", "group counts repeated values; use it on enum, bool, str, int or ref"),
        ("at:datetime:group", "group counts repeated values"),
    ],
)
def test_bad_counters_and_groups_are_refused(spec: str, message: str) -> None:
    with pytest.raises(BlueprintError, match=message):
        parse_field(spec)


def test_transitions_parse_and_name_their_field() -> None:
    text = blueprint([STATUS], '{ status = ["draft->published", "published -> archived"] }')
    resource = parse_blueprint(text).blueprint.resources[0]
    assert [(t.field, t.source, t.target) for t in resource.transitions] == [
        ("status", "draft", "published"),
        ("status", "published", "archived"),
    ]
    assert [field.name for field in resource.state_fields] == ["status"]


@pytest.mark.parametrize(
    ("fields", "transitions", "message"),
    [
        (
            [STATUS],
            '{ status = ["draft-published"] }',
            "'draft-published' is not a move; write source->target",
        ),
        ([STATUS], '{ status = "draft->published" }', "write a list of moves"),
        (
            [STATUS],
            '{ state = ["draft->published"] }',
            "names no field of it \\(its enum fields: status\\)",
        ),
        (
            ["title:str", STATUS],
            '{ title = ["a->b"] }',
            "transitions move enum fields; title is str",
        ),
        (
            [STATUS],
            '{ status = ["draft->gone"] }',
            "'gone' is not a value of status \\(draft|published|archived\\)",
        ),
        ([STATUS], '{ status = ["draft->draft"] }', "goes nowhere"),
        ([STATUS], '{ status = ["draft->published", "draft->published"] }', "listed twice"),
        (
            ["status:enum(draft|published)"],
            '{ status = ["draft->published"] }',
            "new rows start in its default and it is never empty: write "
            "status:enum\\(draft\\|published\\):default=draft without optional",
        ),
        (
            ["status:enum(draft|published):default=draft:optional"],
            '{ status = ["draft->published"] }',
            "write status:enum\\(draft\\|published\\):default=draft without optional",
        ),
    ],
)
def test_bad_transitions_fail_with_one_line(
    fields: list[str], transitions: str, message: str
) -> None:
    with pytest.raises(BlueprintError, match=message) as error:
        parse_blueprint(blueprint(fields, transitions))
    assert "\n" not in str(error.value)


def test_transitions_from_the_command_line_are_written_back_as_a_table() -> None:
    resource = resource_from_input(
        "Article",
        store="postgres",
        fields=["title:str", STATUS],
        ops=None,
        transitions=["status:draft->published", "status:published->archived"],
    )
    document = add_resource(new_document("shop", ""), resource)
    assert (
        'transitions = {status = ["draft->published", "published->archived"]}' in document.dumps()
    )
    assert parse_blueprint(document.dumps()).blueprint.resources[0] == resource


def test_a_transition_option_without_its_field_is_refused() -> None:
    with pytest.raises(BlueprintError, match="write field:source->target"):
        resource_from_input(
            "Article", store="postgres", fields=[STATUS], ops=None, transitions=["draft->published"]
        )


def test_removing_a_state_field_removes_its_transitions() -> None:
    text = blueprint(["title:str", STATUS], '{ status = ["draft->published"] }')
    document = remove_field(parse_blueprint(text), "Article", "status")
    assert "transitions" not in document.dumps()
    assert document.blueprint.resources[0].transitions == ()


def test_a_stats_tool_needs_a_field_to_count_by() -> None:
    agent = '\n[agents.helper]\ninstructions = "Count."\ntools = ["Article.stats"]\n'
    with pytest.raises(BlueprintError, match="counts by no field; mark one with :group"):
        parse_blueprint(blueprint(["title:str"]) + agent)
    parse_blueprint(blueprint([f"{STATUS}:group"]) + agent)
