"""The `name:type[:modifier...]` field syntax: what it accepts and how it refuses the rest."""

from decimal import Decimal

import pytest

from backend_agent.blueprint import FieldType, parse_field
from backend_agent.errors import BlueprintError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("title:str", {"name": "title", "type": FieldType.STR, "optional": False}),
        ("email:email:unique", {"type": FieldType.EMAIL, "unique": True}),
        ("bio:text:optional", {"type": FieldType.TEXT, "optional": True}),
        ("age:int:min=0:max=150", {"min": Decimal(0), "max": Decimal(150)}),
        ("status:enum(active|banned)", {"type": FieldType.ENUM, "choices": ("active", "banned")}),
        ("owner:ref(User)", {"type": FieldType.REF, "ref": "User", "column": "owner_id"}),
        ("tags:list[str]:max=5", {"type": FieldType.LIST_STR, "max": Decimal(5)}),
        ("price:decimal:min=0.5", {"type": FieldType.DECIMAL, "min": Decimal("0.5")}),
        ("active:bool:default=true", {"default": True}),
        ("level:enum(low|high):default=high", {"default": "high"}),
        ("site:url:default=https://example.com:8080/x", {"default": "https://example.com:8080/x"}),
        ("joined:datetime:default=now", {"default": "now"}),
        # Modifiers after a default are modifiers, not part of its value.
        ("at:datetime:default=now:index", {"default": "now", "index": True}),
        ("level:int:default=3:min=1:optional", {"default": 3, "min": Decimal(1), "optional": True}),
        (
            "site:url:default=https://example.com:8080/x:optional",
            {"default": "https://example.com:8080/x", "optional": True},
        ),
        ("slug:str:index", {"index": True}),
        ("tags:many(Tag)", {"type": FieldType.MANY, "ref": "Tag", "column": "tags"}),
        ("tags:many(Tag):ids", {"type": FieldType.MANY, "ids": True}),
    ],
)
def test_valid_specs_parse(spec: str, expected: dict[str, object]) -> None:
    field = parse_field(spec)
    for attribute, value in expected.items():
        assert getattr(field, attribute) == value


@pytest.mark.parametrize(
    "spec",
    [
        "title:str",
        "email:email:unique",
        "age:int:optional:min=0:max=150",
        "status:enum(active|banned):default=active",
        "owner:ref(User)",
        "price:decimal:min=0.5",
        "site:url:default=https://example.com:8080/x",
        "sort_key:str:default=name",
        "tags:many(Tag)",
        "tags:many(Tag):ids",
    ],
)
def test_canonical_spec_round_trips(spec: str) -> None:
    assert parse_field(parse_field(spec).to_spec()) == parse_field(spec)
    assert parse_field(spec).to_spec() == spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("title", "has no type: write name:type, e.g. title:str"),
        ("title:strng", "unknown type 'strng'; use one of: str, text"),
        ("id:int", "'id' is reserved"),
        ("class:str", "is a Python keyword"),
        ("Title:str", "must be snake_case"),
        ("2fast:str", "must be snake_case"),
        ("status:enum()", "enum needs values, e.g. status:enum(active|banned)"),
        ("status:enum", "enum needs an argument"),
        ("status:enum(a|a)", "enum values repeat"),
        ("status:enum(Active)", "must be lower snake_case"),
        ("owner:ref()", "ref needs a resource name, e.g. owner:ref(User)"),
        ("owner_id:ref(User)", "write owner:ref(User)"),
        ("age:int:min=abc", "min needs a number"),
        ("age:int:min=1.5", "must be a whole number"),
        ("age:int:min=5:max=1", "min=5 is greater than max=1"),
        ("age:int:between=1", "unknown modifier 'between'"),
        ("flag:bool:min=1", "min does not apply to bool fields"),
        ("data:json:unique", "unique is not supported on json fields"),
        ("active:bool:default=yes", "default 'yes' is not true or false"),
        ("level:enum(low|high):default=mid", "not one of low|high"),
        ("born:date:default=2020-01-01", "date fields take no default"),
        ("age:int:min=0:default=-1", "outside min/max"),
        ("code:str:max=3:default=toolong", "default is longer than max"),
        ("title:str:unique=yes", "takes no value"),
        ("views:int:max=10000000000", "use decimal for larger numbers"),
        ("flag:bool:unique", "unique would allow only one row per bool value"),
        ("kind:enum(a|b):unique", "unique would allow only one row per enum value"),
        ("seat:int:min=1:max=3:unique", "widen the range to at least 10"),
        ("code:int:unique:max=-2147483640", "leaves too few values"),
        ("price:decimal:min=478.433", "min=478.433 has more than 2 decimal places"),
        ("price:decimal:default=0.125", "default=0.125 has more than 2 decimal places"),
        ("price:decimal:max=10000000000", "does not fit a decimal field"),
        ("token:email:default=nobody@example.com", "named like a secret"),
        ("api_key:str:default=sk-123", "named like a secret"),
        ("homepage:url:default=https://me:pw@example.com/", "password in a URL"),
        ("tags:many", "many needs an argument, e.g. tags:many(Tag)"),
        ("tags:many()", "many needs a resource name"),
        ("tags:many(Tag):unique", "many(Tag) takes no modifier but :ids (not :unique)"),
        ("tags:many(Tag):optional", "(not :optional)"),
        ("tags:many(Tag):ids=yes", "(not :ids)"),
        ("title:str:ids", "ids applies to many(...) fields only"),
        ("tags:many(Tag):filter", "lists always filter by them; drop it"),
        ("tags:many(Tag):min=1", "(not :min)"),
        ("tags:many(Tag):default=1", "(not :default)"),
    ],
)
def test_invalid_specs_name_the_problem(spec: str, message: str) -> None:
    with pytest.raises(BlueprintError) as raised:
        parse_field(spec)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
