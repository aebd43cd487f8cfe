"""How a resource's `filter` and `sort` fields become its list's query parameters: their
Python types (query strings are text, so they parse what body types take strictly), their
OpenAPI descriptions, and what the services compare them with."""

from __future__ import annotations

from dataclasses import dataclass

from backend_agent.blueprint import FieldType, Resource, Store
from backend_agent.blueprint.fields import RANGE as RANGE_TYPES
from backend_agent.blueprint.queries import filter_parameters, sort_keys
from backend_agent.plan.python_types import PythonField

_QUERY_TYPES = {
    FieldType.INT: "QueryInt",
    FieldType.FLOAT: "QueryFloat",
    FieldType.DECIMAL: "QueryDecimal",
    FieldType.BOOL: "QueryBool",
    FieldType.DATE: "QueryDate",
    FieldType.DATETIME: "QueryDatetime",
    FieldType.UUID: "QueryUuid",
    FieldType.EMAIL: "Email",
    FieldType.URL: "HttpUrlStr",
    FieldType.STR: "Text",
}
_CURSOR_TYPES = {
    FieldType.STR: "str",
    FieldType.EMAIL: "str",
    FieldType.URL: "str",
    FieldType.INT: "int",
    FieldType.REF: "int",
    FieldType.FLOAT: "float",
    FieldType.DECIMAL: "Decimal",
    FieldType.BOOL: "bool",
    FieldType.DATE: "date",
    FieldType.DATETIME: "AwareDatetime",
    FieldType.UUID: "UUID",
}
"""How a cursor's values are read back, by the type of their sort key."""
_IMPORTS = {
    "QueryInt": "from app.models.queries import QueryInt",
    "QueryFloat": "from app.models.queries import QueryFloat",
    "QueryDecimal": "from app.models.queries import QueryDecimal",
    "QueryBool": "from app.models.queries import QueryBool",
    "QueryDate": "from app.models.queries import QueryDate",
    "QueryDatetime": "from app.models.queries import QueryDatetime",
    "QueryUuid": "from app.models.queries import QueryUuid",
    "Email": "from app.models.types import Email",
    "HttpUrlStr": "from app.models.types import HttpUrlStr",
    "Text": "from app.models.types import Text",
}
_DESCRIPTIONS = {
    "equal": "Only those whose {label} is one of these values (repeat the parameter for several)",
    "bool": "Only those whose {label} is this value",
    "min": "Only those whose {label} is at least this (inclusive)",
    "max": "Only those whose {label} is at most this (inclusive)",
    "prefix": "Only those whose {label} starts with this text, ignoring case",
    "contains": "Only those whose {label} contains this text, ignoring case",
}
SEARCH_MAX_LENGTH = 255
"""The longest text a search takes."""


@dataclass(frozen=True)
class QueryParameter:
    """One query parameter of a list, and the field it looks at."""

    name: str
    kind: str
    """equal (one of some values), min or max (inclusive bounds)."""
    field: PythonField

    @property
    def value_type(self) -> str:
        if self.kind in ("prefix", "contains"):
            return "Text"
        return self.field.enum_class or _QUERY_TYPES[self.field.spec.type]

    @property
    def annotation(self) -> str:
        """Several values for equality (one for a bool), one for a bound; all optional."""
        if self.kind == "equal" and self.field.spec.type is not FieldType.BOOL:
            return f"list[{self.value_type}] | None"
        return f"{self.value_type} | None"

    @property
    def arguments(self) -> str:
        """`Field(...)` arguments: a cap on the values and what the parameter does."""
        kind = "bool" if self.field.spec.type is FieldType.BOOL else self.kind
        description = _DESCRIPTIONS[kind].format(label=f"`{self.field.name}`")
        cap = ", max_length=MAX_VALUES" if self.annotation.startswith("list[") else ""
        if self.kind in ("prefix", "contains"):
            cap = f", max_length={SEARCH_MAX_LENGTH}"
        return f'default=None{cap}, description="{description}."'

    @property
    def bad(self) -> str:
        """A value the parameter must refuse with 422 (Python expression)."""
        if self.kind in ("prefix", "contains"):
            return '"\\x00"'
        return {
            FieldType.STR: '"\\x00"',
            FieldType.EMAIL: '"not-an-email"',
            FieldType.URL: '"not a url"',
        }.get(self.field.spec.type, '"not-a-value"')

    @property
    def imports(self) -> list[str]:
        found = ["from app.models.queries import MAX_VALUES"]
        return found + ([_IMPORTS[self.value_type]] if self.value_type in _IMPORTS else [])


@dataclass(frozen=True)
class FilteredField:
    """A filtered field and its parameters by kind (equal, min, max)."""

    field: PythonField
    names: dict[str, str]

    @property
    def shift(self) -> str:
        """How the tests step a value out of a range: numbers by 1 (int, float, decimal),
        dates by a day, datetimes by a second."""
        kinds = {FieldType.DATE: "day", FieldType.DATETIME: "second"}
        return kinds.get(self.field.spec.type, str(self.field.spec.type))


@dataclass(frozen=True)
class ListQuery:
    """The filters and sort keys of one resource's list."""

    resource: Resource
    fields: list[PythonField]

    @property
    def parameters(self) -> list[QueryParameter]:
        return [
            QueryParameter(name, kind, field)
            for field in self.fields
            for name, kind in filter_parameters(field.spec)
        ]

    @property
    def list_parameters(self) -> list[str]:
        """The parameters that take several values (repeated in the query string)."""
        return [p.name for p in self.parameters if p.annotation.startswith("list[")]

    @property
    def sort_keys(self) -> list[str]:
        return sort_keys(self.resource)

    @property
    def ordered_keys(self) -> list[tuple[str, bool]]:
        """Sort keys whose order the generated tests check, and whether their values are
        datetimes (read back as such); strings are left out: the database's collation, not
        Python, decides their order."""
        kinds = {field.name: field.spec.type for field in self.fields}
        checked = RANGE_TYPES | {FieldType.BOOL, FieldType.REF}
        return [
            (key, kinds.get(key) is FieldType.DATETIME)
            for key in self.sort_keys
            if key == "id" or kinds.get(key) in checked
        ]

    @property
    def filtered(self) -> list[FilteredField]:
        """Each filtered field with its parameters, for the generated tests."""
        found = []
        for field in self.fields:
            names = dict((kind, name) for name, kind in filter_parameters(field.spec))
            if names:
                found.append(FilteredField(field, names))
        return found

    @property
    def wanted(self) -> bool:
        """Whether the list takes anything besides paging (and its refs)."""
        return bool(self.parameters) or len(self.sort_keys) > 1

    @property
    def index_checks(self) -> list[tuple[str, str, bool]]:
        """(column, index, whether by trigram) for each filtered, sorted or searched column
        of a table: the generated tests ask the planner to use them."""
        if self.resource.store is Store.MONGO:
            return []
        table = self.resource.plural
        checks = [
            (field.name, f"ix_{table}_{field.name}", False)
            for field in self.fields
            if (field.spec.filter or field.spec.sort) and field.indexed
        ]
        return checks + [
            (field.name, f"ix_{table}_{field.name}_trgm", True)
            for field in self.fields
            if field.spec.search
        ]

    @property
    def cursor_types(self) -> dict[str, str]:
        """The sort keys a cursor may page by (those never empty) and the type its values
        are read as: a cursor compares them with the stored values."""
        types = {"id": "DocumentId" if self.resource.store is Store.MONGO else "int"}
        for field in self.fields:
            if field.name in self.sort_keys and not field.spec.optional:
                types[field.name] = field.enum_class or _CURSOR_TYPES[field.spec.type]
        return types

    @property
    def cursor_sorts(self) -> list[str]:
        """Sorts the generated tests page through by cursor: by id both ways, and each other
        key a cursor pages by, newest or largest first."""
        return ["id", "-id", *(f"-{key}" for key in self.cursor_types if key != "id")]

    @property
    def searched(self) -> list[FilteredField]:
        """The filtered fields that take text searches."""
        return [found for found in self.filtered if "prefix" in found.names]

    @property
    def trigram_fields(self) -> list[PythonField]:
        """Fields whose contains search a trigram index serves."""
        return [field for field in self.fields if field.spec.search]

    @property
    def stored_keys(self) -> dict[str, str]:
        """Each sort key and the attribute it orders by (MongoDB keeps the id in `_id`)."""
        is_mongo = self.resource.store is Store.MONGO
        return {key: "_id" if key == "id" and is_mongo else key for key in self.sort_keys}

    @property
    def imports(self) -> list[str]:
        found = {
            "from app.models.queries import CURSOR_MAX_LENGTH, cursor_values, sort_pattern",
            "from pydantic import StringConstraints, TypeAdapter, ValidationInfo, field_validator",
            "from typing import Annotated, Any",
        }
        if self.resource.store is Store.MONGO:
            found.add("from app.models.queries import DocumentId")
        for parameter in self.parameters:
            found.update(parameter.imports)
        return sorted(found)
