"""SQLModel statements turned into SQL for asyncpg once per shape, and rows turned into models.

Compiling a statement costs SQLAlchemy about 100 us; requests repeat the same few shapes with
other values, so each shape is compiled once and found again by SQLAlchemy's own cache key
(about 5 us), and a statement object run before (most are built once, at import) by its
identity. Rows become model instances the way SQLAlchemy's ORM loads them (a new
instance of the mapped class with its values set), without a session: no identity map and
no change tracking, so nothing is written back unless a statement says so.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from asyncpg import Record
from sqlalchemy import DateTime, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapper, configure_mappers
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.schema import ColumnDefault

DIALECT = make_url("postgresql+asyncpg://").get_dialect()()
"""SQLAlchemy's asyncpg dialect: `$1` parameters, and the types asyncpg expects."""
CACHE_SIZE = 500
"""Compiled shapes kept; a program that builds more distinct shapes starts the cache over."""

Load = Callable[[Record], object]
Fields = Callable[[Record], dict[str, object]]


@dataclass(frozen=True)
class Compiled:
    """One statement shape, ready to run with any values."""

    compiler: SQLCompiler
    """SQLAlchemy's compiled form: the SQL, and where each value goes."""
    processors: Mapping[str, Callable[[Any], Any]]
    """Turn values into what the driver takes, by parameter (e.g. JSON into text)."""
    load: Load
    """Turns a returned row into what the caller gets: a model, a value or a tuple."""
    fields: Fields
    """A returned row's values by the name of the model's attribute: what a response schema
    is validated from, without building the table model first."""
    writes: bool
    """INSERT, UPDATE or DELETE: only a unit of work may run it."""
    transactional: bool
    """A write, or a read that locks rows (`FOR UPDATE`): a unit of work opens its
    transaction before it (unless it is the last statement)."""
    expands: bool
    """Its SQL depends on the values (a list for `IN`), so it is finished for each run."""
    defaults: tuple[tuple[str, ColumnDefault], ...]
    """Python-side defaults of columns a statement leaves out (`Field(default=False)` of a
    column no schema sets), by parameter: SQLAlchemy computes them for each run, so do we."""
    positions: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    """The parameters in the order of `$1, $2, ...`, each with its processor (if any)."""


class Prepared(NamedTuple):
    """A statement with its values, as asyncpg takes it."""

    sql: str
    args: Sequence[object]
    compiled: Compiled


_cache: dict[object, Compiled] = {}
_seen: dict[tuple[int, tuple[str, ...]], tuple[ClauseElement, Compiled, Any]] = {}
"""The compiled shape of each statement object run lately, by identity: most statements are
built once and run again and again (hashing their cache key costs more than the lookup)."""


def prepare(statement: ClauseElement, params: Mapping[str, object] | None = None) -> Prepared:
    """The SQL and arguments of `statement`, with `params` as the values of its unbound
    `bindparam`s (or of the columns an `insert()` without `.values()` sets)."""
    columns = tuple(params) if params else ()
    seen = _seen.get((id(statement), columns))
    if seen is not None and seen[0] is statement:
        _, compiled, extracted = seen
    else:
        compiled, extracted = _shape(statement, columns)
    compiler = compiled.compiler
    if params is not None and not compiled.expands and not compiled.defaults:
        try:  # every value given: what construct_params would find, without its walk
            return Prepared(compiler.string, _arguments(compiled, params), compiled)
        except KeyError:
            pass
    values: Mapping[str, Any] = compiler.construct_params(params, extracted_parameters=extracted)
    if compiled.defaults:
        values = {**values, **{name: _run(default) for name, default in compiled.defaults}}
    if not compiled.expands:
        return Prepared(compiler.string, _arguments(compiled, values), compiled)
    # `in_([...])`: as many parameters as the list has items
    state = compiler.construct_expanded_state(values)
    processors = {**compiled.processors, **state.processors}
    args = [
        processors[name](state.parameters[name]) if name in processors else state.parameters[name]
        for name in state.positiontup or []
    ]
    return Prepared(state.statement, args, compiled)


def _arguments(compiled: Compiled, values: Mapping[str, Any]) -> list[object]:
    return [
        values[name] if process is None else process(values[name])
        for name, process in compiled.positions
    ]


def _shape(statement: ClauseElement, columns: tuple[str, ...]) -> tuple[Compiled, Any]:
    key = statement._generate_cache_key()  # what SQLAlchemy's own Connection caches by
    shape = (key.key, columns) if key is not None else None
    compiled = _cache.get(shape) if shape is not None else None
    if compiled is None:
        compiled = _compile(statement, key, columns)
        if shape is not None:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[shape] = compiled
    extracted = key.bindparams if key is not None else None
    if shape is not None:
        if len(_seen) >= CACHE_SIZE:
            _seen.clear()
        _seen[(id(statement), columns)] = (statement, compiled, extracted)
    return compiled, extracted


def _compile(statement: ClauseElement, key: object, columns: tuple[str, ...]) -> Compiled:
    compiler = cast(
        SQLCompiler, statement.compile(dialect=DIALECT, cache_key=key, column_keys=list(columns))
    )
    writes = bool(compiler.isinsert or compiler.isupdate or compiler.isdelete)
    processors = {
        name: process
        for name, bind in compiler.binds.items()
        if (process := bind.type.dialect_impl(DIALECT).bind_processor(DIALECT)) is not None
    }
    expands = bool(compiler.post_compile_params or compiler.literal_execute_params)
    defaults = tuple(
        (column.key, default)
        for column, default in [
            *((c, c.default) for c in compiler.insert_prefetch),
            *((c, c.onupdate) for c in compiler.update_prefetch),
        ]
        if isinstance(default, ColumnDefault)
    )
    load, fields = _loaders(statement)
    locks = getattr(statement, "_for_update_arg", None) is not None
    positions = tuple((name, processors.get(name)) for name in compiler.positiontup or [])
    return Compiled(
        compiler, processors, load, fields, writes, writes or locks, expands, defaults, positions
    )


def _run(default: ColumnDefault) -> object:
    """A column default's value: the value itself, or what its function returns."""
    return default.arg(None) if default.is_callable else default.arg


def _loaders(statement: ClauseElement) -> tuple[Load, Fields]:
    """A model for `select(Model)` and `... RETURNING Model`, a value for one column,
    a tuple otherwise; and the row as a dict by attribute (or column) name."""
    if isinstance(statement, UpdateBase):
        returned = statement._returning
    else:
        returned = getattr(statement, "_raw_columns", ())
    columns = list(getattr(statement, "exported_columns", ()))
    values = _values_reader(columns)
    mapper = returned[0]._annotations.get("parententity") if len(returned) == 1 else None
    if isinstance(mapper, Mapper) and returned[0].is_selectable:
        keys = [mapper.get_property_by_column(column).key for column in columns]
        fields = _fields_reader(keys, values)
        return _model_loader(mapper, fields), fields
    fields = _fields_reader([column.key for column in columns], values)
    if len(columns) == 1:
        return (lambda row: next(iter(values(row)))), fields
    return (lambda row: tuple(values(row))), fields


def _fields_reader(keys: list[str], values: Callable[[Record], Iterable[object]]) -> Fields:
    return lambda row: dict(zip(keys, values(row), strict=True))


def _model_loader(mapper: Mapper[Any], fields: Fields) -> Load:
    configure_mappers()  # what the ORM does before its first query: attributes work after it
    new = mapper.class_manager.new_instance

    def load(row: Record) -> object:
        instance = new()
        instance.__dict__.update(fields(row))
        return instance

    return load


def _values_reader(columns: list[Any]) -> Callable[[Record], Iterable[object]]:
    """A row's values as the columns' types promise them. asyncpg reads the first and the
    last instant a datetime can hold as naive `datetime.min` and `datetime.max` (its
    stand-ins for -infinity and infinity): from a column with a time zone they are UTC."""
    aware = [
        n
        for n, column in enumerate(columns)
        if isinstance(column.type, DateTime) and column.type.timezone
    ]
    if not aware:
        return Record.values

    def read(row: Record) -> Iterable[object]:
        values = list(row.values())
        for n in aware:
            value = values[n]
            if isinstance(value, datetime) and value.tzinfo is None:
                values[n] = value.replace(tzinfo=UTC)
        return values

    return read


def primary_key_columns(model: type[Any]) -> tuple[ColumnElement[Any], ...]:
    """The columns `Session.get` looks rows up by."""
    mapper: Mapper[Any] = inspect(model)
    return tuple(mapper.primary_key)
