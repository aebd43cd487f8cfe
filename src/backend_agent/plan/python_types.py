"""How a blueprint field becomes Python: annotations, `Field(...)` arguments, column types.

These are the generator's decisions about types, kept in one place so the templates
only place them. Every value here is a short Python expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend_agent.blueprint import FieldSpec, FieldType, Resource, Store
from backend_agent.blueprint.fields import DECIMAL_DIGITS, DECIMAL_PLACES
from backend_agent.blueprint.model import TIMESTAMP_FIELDS
from backend_agent.blueprint.names import pascal_case, plural, snake_case

EMAIL_MAX_LENGTH = 254

_ANNOTATIONS = {
    FieldType.STR: "Text",
    FieldType.TEXT: "Text",
    FieldType.INT: "Integer",
    FieldType.FLOAT: "FiniteFloat",
    FieldType.DECIMAL: "DecimalInput",
    FieldType.BOOL: "StrictBool",
    FieldType.DATE: "StoredDate",
    FieldType.DATETIME: "StoredDatetime",
    FieldType.UUID: "StoredUuid",
    FieldType.EMAIL: "Email",
    FieldType.URL: "HttpUrlStr",
    FieldType.JSON: "JsonObject",
    FieldType.LIST_STR: "list[Text]",
    FieldType.REF: "RefId",
}
"""Input types: exactly what the OpenAPI schema says (a JSON integer, not "5"; a date as a
string, not a number), and only what the databases can store."""

# Output types where the input type only adds validation (text, emails, URLs, bounded JSON).
_READ_ANNOTATIONS = {
    FieldType.INT: "int",
    FieldType.BOOL: "bool",
    FieldType.DATE: "date",
    FieldType.UUID: "UUID",
    FieldType.FLOAT: "float",
    FieldType.DECIMAL: "DecimalOutput",
    FieldType.STR: "str",
    FieldType.TEXT: "str",
    FieldType.LIST_STR: "list[str]",
    FieldType.DATETIME: "AwareDatetime",
    FieldType.REF: "int",
    FieldType.EMAIL: "str",
    FieldType.URL: "str",
    FieldType.JSON: "dict[str, JsonValue]",
}

_BSON_TYPES = {
    FieldType.INT: "number",
    FieldType.FLOAT: "number",
    FieldType.DECIMAL: "number",
    FieldType.REF: "number",
    FieldType.DATE: "date",
    FieldType.DATETIME: "date",
    FieldType.UUID: "binData",
    FieldType.BOOL: "bool",
}

# The imports each annotation needs (input and Read schemas; ruff drops the unused ones).
_ANNOTATION_IMPORTS = {
    FieldType.STR: ["from app.models.types import Text"],
    FieldType.TEXT: ["from app.models.types import Text"],
    FieldType.LIST_STR: ["from app.models.types import Text"],
    FieldType.INT: ["from app.models.types import INT_MAX, INT_MIN, Integer"],
    FieldType.BOOL: ["from pydantic import StrictBool"],
    FieldType.FLOAT: ["from app.models.types import FiniteFloat"],
    FieldType.DECIMAL: [
        "from decimal import Decimal",
        "from typing import Annotated",
        "from annotated_types import Interval",
        "from app.models.types import DecimalInput, DecimalOutput",
    ],
    FieldType.DATE: ["from datetime import date", "from app.models.types import StoredDate"],
    FieldType.DATETIME: [
        "from app.models.types import StoredDatetime",
        "from pydantic import AwareDatetime",
    ],
    FieldType.UUID: ["from uuid import UUID", "from app.models.types import StoredUuid"],
    FieldType.EMAIL: ["from app.models.types import Email"],
    FieldType.URL: ["from app.models.types import HttpUrlStr"],
    FieldType.JSON: ["from app.models.types import JsonObject", "from pydantic import JsonValue"],
    FieldType.REF: ["from app.models.types import RefId"],
    FieldType.ENUM: ["from enum import StrEnum"],
}

_COLUMN_TYPES = {
    FieldType.TEXT: "sa.Text()",
    FieldType.INT: "sa.Integer()",
    FieldType.FLOAT: "sa.Float()",
    FieldType.DECIMAL: f"sa.Numeric(precision={DECIMAL_DIGITS}, scale={DECIMAL_PLACES})",
    FieldType.BOOL: "sa.Boolean()",
    FieldType.DATE: "sa.Date()",
    FieldType.DATETIME: "sa.DateTime(timezone=True)",
    FieldType.UUID: "sa.Uuid()",
    FieldType.JSON: "postgresql.JSONB()",
    FieldType.LIST_STR: "postgresql.ARRAY(sa.String())",
    FieldType.REF: "sa.Integer()",
}

# Column types SQLModel would not infer from the annotation alone.
_EXPLICIT_SA_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.DATETIME,
        FieldType.JSON,
        FieldType.LIST_STR,
        FieldType.ENUM,
        FieldType.EMAIL,  # validated to 254 characters, stored in a column of 255
    }
)


@dataclass(frozen=True)
class PythonField:
    """One field as the templates write it."""

    spec: FieldSpec
    resource: Resource
    owner: bool = False
    """The ref to the account that owns the row: set from the caller, never by a client."""
    state: bool = False
    """An enum field with transitions: new rows start in its default, only updates move it."""

    @property
    def name(self) -> str:
        return self.spec.column

    @property
    def server_set(self) -> bool:
        """Set by the server when a row is stored (`default=now`, the owner, a counter's 0, a
        state field's first state): never in the create schema."""
        return self.owner or self.stamped or self.spec.counter or self.state

    @property
    def stamped(self) -> bool:
        """A time the server writes (`default=now`)."""
        return self.spec.type is FieldType.DATETIME and self.spec.default == "now"

    def initial(self, *, now: str = "now", owner: str = "owner") -> str:
        """What a new row gets, as an expression of the code that stores it, given the
        expressions of the moment (`now`: the one instant every time field of the row is
        given) and of the owner's id."""
        if self.owner:
            return owner
        if self.stamped:
            return now
        return repr(self.spec.default)

    @property
    def enum_class(self) -> str | None:
        if self.spec.type is FieldType.ENUM:
            return f"{self.resource.name}{pascal_case(self.spec.name)}"
        return None

    @property
    def python_type(self) -> str:
        """The type a client's value is validated as."""
        if self.spec.type is FieldType.DATETIME and self.resource.store is Store.MONGO:
            return "DocumentDatetime"
        if self.spec.type is FieldType.DECIMAL and (bounds := self._decimal_bounds()):
            # Decimal bounds, not Field's float ones: a float judges by its binary rounding.
            return f"Annotated[DecimalInput, Interval({bounds})]"
        return self.enum_class or _ANNOTATIONS[self.spec.type]

    def _decimal_bounds(self) -> str:
        bounds = (("ge", self.spec.min), ("le", self.spec.max))
        return ", ".join(f'{key}=Decimal("{value}")' for key, value in bounds if value is not None)

    @property
    def bson_type(self) -> str:
        """The `$type` alias of the stored value (unique indexes cover only set values)."""
        return _BSON_TYPES.get(self.spec.type, "string")

    @property
    def annotation(self) -> str:
        return f"{self.python_type} | None" if self.spec.optional else self.python_type

    @property
    def read_annotation(self) -> str:
        """Output fields carry stored values: no input validators run again on every read."""
        base = _READ_ANNOTATIONS.get(self.spec.type, self.python_type)
        return f"{base} | None" if self.spec.optional else base

    @property
    def read_default(self) -> str | None:
        """What a stored document without this field (stored before it existed) reads as."""
        if self.spec.default == "now" or self.spec.type is FieldType.DATETIME:
            return "None" if self.spec.optional else None
        if self.spec.default is not None:
            return self.default_literal
        return "None" if self.spec.optional else None

    @property
    def update_annotation(self) -> str:
        """In the Update schema every field may be left out; null only clears optional ones."""
        if self.spec.optional:
            return f"{self.python_type} | None"
        return f"Patch[{self.python_type}]"

    @property
    def column_type(self) -> str:
        """The SQLAlchemy type expression used in the table model and in migrations."""
        if self.spec.type in (FieldType.STR, FieldType.EMAIL, FieldType.URL, FieldType.ENUM):
            return f"sa.String(length={self.spec.max_length})"
        if self.spec.type is FieldType.TEXT and self.spec.max_length:
            return f"sa.String(length={self.spec.max_length})"
        return _COLUMN_TYPES[self.spec.type]

    def validation_args(self) -> list[str]:
        """Pydantic constraints, shared by the Base and Update schemas."""
        spec = self.spec
        args: list[str] = []
        if spec.type in (FieldType.STR, FieldType.TEXT, FieldType.LIST_STR):
            if spec.min is not None:
                args.append(f"min_length={int(spec.min)}")
            if spec.max_length is not None or spec.max is not None:
                limit = spec.max_length if spec.type is not FieldType.LIST_STR else spec.max
                args.append(f"max_length={int(limit)}")  # type: ignore[arg-type]
        elif spec.type is FieldType.EMAIL:
            # The longest address email-validator accepts (the column holds 255).
            args.append(f"max_length={EMAIL_MAX_LENGTH}")
        elif spec.type is FieldType.URL:
            args.append(f"max_length={spec.max_length}")
        elif spec.type is FieldType.DECIMAL:
            # (Its bounds are in its type, see `python_type`.)
            args += [f"max_digits={DECIMAL_DIGITS}", f"decimal_places={DECIMAL_PLACES}"]
        elif spec.type in (FieldType.INT, FieldType.FLOAT):
            limits = (("ge", spec.min, "INT_MIN"), ("le", spec.max, "INT_MAX"))
            for key, bound, column_limit in limits:
                if bound is not None:
                    args.append(f"{key}={_number_literal(spec.type, bound)}")
                elif spec.type is FieldType.INT:
                    args.append(f"{key}={column_limit}")
        return args

    def base_args(self) -> list[str]:
        """`Field(...)` arguments in a table's Base schema: the document's plus column options."""
        spec = self.spec
        args = self.document_args()
        if spec.type is FieldType.REF:
            target = self.resource_ref_table
            args += [f'foreign_key="{target}.id"', 'ondelete="RESTRICT"']
        if spec.unique and not self.partial_unique:
            args.append("unique=True")
        if self.indexed:
            args.append("index=True")
        if spec.type in _EXPLICIT_SA_TYPES or (spec.type is FieldType.TEXT and spec.max_length):
            args.append(f"sa_type={self.column_type}")
        if self.is_timestamp:
            args.append('sa_column_kwargs={"server_default": sa.func.now()}')
        return args

    @property
    def is_timestamp(self) -> bool:
        """One of the columns `timestamps = true` keeps: the database fills it too, so rows
        written by hand (psql, a bulk load) have one."""
        return self.resource.timestamps and self.spec in TIMESTAMP_FIELDS

    @property
    def partial_unique(self) -> bool:
        """Unique among the rows not deleted (soft delete): a unique index `WHERE deleted_at
        IS NULL` instead of a unique constraint, so a deleted row's value can be taken again."""
        return self.spec.unique and self.resource.soft_delete

    @property
    def sql_shape(self) -> tuple[bool, bool, bool, bool, bool, str | None]:
        """What the database enforces or keeps besides the type: null, unique (over every row
        or the live ones), index, trigram index, foreign key."""
        spec = self.spec
        shape = (spec.optional, spec.unique, self.partial_unique, self.indexed, spec.search)
        return (*shape, spec.ref)

    @property
    def indexed(self) -> bool:
        """Whether the column gets a plain index: asked for, filtered or sorted by, or a foreign
        key (joins and cascades look rows up by it); a unique constraint brings its own."""
        wanted = self.spec.index or self.spec.filter or self.spec.sort
        return (wanted or self.spec.type is FieldType.REF) and not self.spec.unique

    def document_args(self) -> list[str]:
        """Arguments of `Field(...)` in a MongoDB document schema: default and constraints."""
        spec = self.spec
        args: list[str] = []
        if spec.default == "now" and spec.type is FieldType.DATETIME:
            args.append("default_factory=utc_now")
        elif spec.default is not None:
            args.append(f"default={self.default_literal}")
        elif spec.optional:
            args.append("default=None")
        return args + self.validation_args()

    def update_args(self) -> list[str]:
        return ["default=None", *self.validation_args()]

    @property
    def default_literal(self) -> str:
        value = self.spec.default
        if self.enum_class and isinstance(value, str):
            return f"{self.enum_class}.{value.upper()}"
        if self.spec.type is FieldType.DECIMAL:
            return f'Decimal("{value}")'
        return repr(value)

    @property
    def resource_ref_table(self) -> str:
        return plural(snake_case(self.spec.ref or ""))

    def imports(self) -> list[str]:
        """Import lines the field's annotation and column need (ruff merges and sorts them)."""
        found = list(_ANNOTATION_IMPORTS.get(self.spec.type, []))
        if self.python_type == "DocumentDatetime":
            found = [
                "from app.models.types import DocumentDatetime",
                "from pydantic import AwareDatetime",
            ]
        if self.spec.default == "now":
            found.append("from app.models.types import utc_now")
        if self.spec.type in _EXPLICIT_SA_TYPES or self.spec.type is FieldType.TEXT:
            found.append("import sqlalchemy as sa")
        if self.spec.type in (FieldType.JSON, FieldType.LIST_STR):
            found.append("from sqlalchemy.dialects import postgresql")
        if not self.spec.optional:
            found.append("from app.models.types import Patch")
        return found


def _number_literal(field_type: FieldType, value: Decimal) -> str:
    if field_type is FieldType.FLOAT:
        return repr(float(value))
    return str(int(value))
