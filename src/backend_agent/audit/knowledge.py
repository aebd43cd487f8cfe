"""What the rules know about libraries: qualified names of the things they look for.

Names are fully qualified as a module imports them (`fastapi.HTTPException`); the rules
compare them after following imports and project re-exports, never by spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "session", "sessionmaker", "engine", "connection", "cursor", "client", "database", "collection"
]
Family = Literal["sql", "mongo", "asyncpg", "driver", "redis"]


@dataclass(frozen=True)
class DbType:
    """What a database object is, as far as the rules care."""

    kind: Kind
    """Session, engine, connection, client, database, collection... (what calls on it mean)."""
    is_async: bool
    """Whether its I/O methods are awaited; a sync one blocks the event loop."""
    family: Family
    """SQLAlchemy/SQLModel, PyMongo/Motor, asyncpg, a DB-API driver, or Redis."""


def _t(kind: Kind, is_async: bool, family: Family) -> DbType:
    return DbType(kind, is_async, family)


SQL_SESSION = _t("session", False, "sql")
SQL_ASYNC_SESSION = _t("session", True, "sql")

DB_TYPES: dict[str, DbType] = {
    "sqlmodel.Session": SQL_SESSION,
    "sqlmodel.orm.session.Session": SQL_SESSION,
    "sqlalchemy.orm.Session": SQL_SESSION,
    "sqlalchemy.orm.session.Session": SQL_SESSION,
    "sqlalchemy.orm.scoping.scoped_session": SQL_SESSION,
    "sqlalchemy.orm.scoped_session": SQL_SESSION,
    "sqlmodel.ext.asyncio.session.AsyncSession": SQL_ASYNC_SESSION,
    "sqlmodel.ext.asyncio.AsyncSession": SQL_ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.AsyncSession": SQL_ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": SQL_ASYNC_SESSION,
    "sqlalchemy.orm.sessionmaker": _t("sessionmaker", False, "sql"),
    "sqlalchemy.orm.session.sessionmaker": _t("sessionmaker", False, "sql"),
    "sqlalchemy.ext.asyncio.async_sessionmaker": _t("sessionmaker", True, "sql"),
    "sqlalchemy.Engine": _t("engine", False, "sql"),
    "sqlalchemy.engine.Engine": _t("engine", False, "sql"),
    "sqlalchemy.engine.base.Engine": _t("engine", False, "sql"),
    "sqlalchemy.Connection": _t("connection", False, "sql"),
    "sqlalchemy.engine.Connection": _t("connection", False, "sql"),
    "sqlalchemy.engine.base.Connection": _t("connection", False, "sql"),
    "sqlalchemy.ext.asyncio.AsyncEngine": _t("engine", True, "sql"),
    "sqlalchemy.ext.asyncio.engine.AsyncEngine": _t("engine", True, "sql"),
    "sqlalchemy.ext.asyncio.AsyncConnection": _t("connection", True, "sql"),
    "sqlalchemy.ext.asyncio.engine.AsyncConnection": _t("connection", True, "sql"),
    "pymongo.MongoClient": _t("client", False, "mongo"),
    "pymongo.mongo_client.MongoClient": _t("client", False, "mongo"),
    "pymongo.synchronous.mongo_client.MongoClient": _t("client", False, "mongo"),
    "pymongo.database.Database": _t("database", False, "mongo"),
    "pymongo.synchronous.database.Database": _t("database", False, "mongo"),
    "pymongo.collection.Collection": _t("collection", False, "mongo"),
    "pymongo.synchronous.collection.Collection": _t("collection", False, "mongo"),
    "pymongo.AsyncMongoClient": _t("client", True, "mongo"),
    "pymongo.asynchronous.mongo_client.AsyncMongoClient": _t("client", True, "mongo"),
    "pymongo.asynchronous.database.AsyncDatabase": _t("database", True, "mongo"),
    "pymongo.asynchronous.collection.AsyncCollection": _t("collection", True, "mongo"),
    "motor.motor_asyncio.AsyncIOMotorClient": _t("client", True, "mongo"),
    "motor.motor_asyncio.AsyncIOMotorDatabase": _t("database", True, "mongo"),
    "motor.motor_asyncio.AsyncIOMotorCollection": _t("collection", True, "mongo"),
    "asyncpg.Connection": _t("connection", True, "asyncpg"),
    "asyncpg.connection.Connection": _t("connection", True, "asyncpg"),
    "asyncpg.Pool": _t("connection", True, "asyncpg"),
    "asyncpg.pool.Pool": _t("connection", True, "asyncpg"),
    "psycopg.Connection": _t("connection", False, "driver"),
    "psycopg.AsyncConnection": _t("connection", True, "driver"),
    "psycopg2.extensions.connection": _t("connection", False, "driver"),
    "sqlite3.Connection": _t("connection", False, "driver"),
    "redis.Redis": _t("client", False, "redis"),
    "redis.client.Redis": _t("client", False, "redis"),
    "redis.asyncio.Redis": _t("client", True, "redis"),
    "redis.asyncio.client.Redis": _t("client", True, "redis"),
}
"""Types (annotations, constructors) of database objects."""

FACTORIES: dict[str, DbType] = {
    "sqlalchemy.create_engine": _t("engine", False, "sql"),
    "sqlalchemy.engine.create_engine": _t("engine", False, "sql"),
    "sqlmodel.create_engine": _t("engine", False, "sql"),
    "sqlalchemy.ext.asyncio.create_async_engine": _t("engine", True, "sql"),
    "asyncpg.connect": _t("connection", True, "asyncpg"),
    "asyncpg.create_pool": _t("connection", True, "asyncpg"),
    "psycopg2.connect": _t("connection", False, "driver"),
    "psycopg.connect": _t("connection", False, "driver"),
    "psycopg.Connection.connect": _t("connection", False, "driver"),
    "psycopg.AsyncConnection.connect": _t("connection", True, "driver"),
    "sqlite3.connect": _t("connection", False, "driver"),
    "pymysql.connect": _t("connection", False, "driver"),
    "mysql.connector.connect": _t("connection", False, "driver"),
    "aiosqlite.connect": _t("connection", True, "driver"),
    "redis.from_url": _t("client", False, "redis"),
    "redis.Redis.from_url": _t("client", False, "redis"),
    "redis.asyncio.from_url": _t("client", True, "redis"),
    "redis.asyncio.Redis.from_url": _t("client", True, "redis"),
}
"""Functions that return a new database object (constructors are in `DB_TYPES`)."""

CREATED_KINDS: frozenset[str] = frozenset(
    {"session", "sessionmaker", "engine", "connection", "client"}
)
"""Kinds a handler or service should receive instead of creating; databases and collections
derived from a received client are fine."""

NON_IO_METHODS: frozenset[str] = frozenset(
    {
        "add",
        "add_all",
        "expunge",
        "expunge_all",
        "is_modified",
        "get_bind",
        "cursor",
        "pipeline",
        "get_database",
        "get_collection",
        "with_options",
        "begin_nested",
    }
)
"""Methods of database objects that do no I/O (they stage work or derive an object)."""

DERIVED: dict[tuple[str, str], Kind] = {
    ("engine", "connect"): "connection",
    ("engine", "begin"): "connection",
    ("connection", "cursor"): "cursor",
    ("client", "get_database"): "database",
    ("client", "get_default_database"): "database",
    ("database", "get_collection"): "collection",
    ("sessionmaker", "begin"): "session",
}
"""(kind, method) -> kind of the object the call returns, same family and sync-ness."""

MONGO_WRITES: frozenset[str] = frozenset(
    {
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "bulk_write",
    }
)
"""Collection methods that write; each is atomic on its own, not with its neighbours."""

SQL_BUILDERS: frozenset[str] = frozenset(
    {
        "sqlmodel.select",
        "sqlmodel.sql.expression.select",
        "sqlalchemy.select",
        "sqlalchemy.insert",
        "sqlalchemy.update",
        "sqlalchemy.delete",
        "sqlalchemy.text",
        "sqlalchemy.sql.select",
        "sqlalchemy.sql.expression.select",
        "sqlalchemy.sql.expression.text",
        "sqlalchemy.dialects.postgresql.insert",
    }
)
"""Statement builders; a statement built and executed in a handler is a query in a handler."""

HTTP_EXCEPTIONS: frozenset[str] = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
        "fastapi.WebSocketException",
        "fastapi.exceptions.WebSocketException",
        "starlette.exceptions.WebSocketException",
    }
)
"""Exceptions that carry HTTP status codes: the API layer's business, not a service's."""

WEB_FRAMEWORKS: tuple[str, ...] = ("fastapi", "starlette")
"""Top-level packages a service must not import."""

ROUTER_TYPES: frozenset[str] = frozenset(
    {
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
    }
)
"""Objects whose `.get/.post/...` decorators declare route handlers."""

ROUTE_METHODS: frozenset[str] = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route"}
)
"""Decorator methods that register a route."""

REQUEST_TYPES: frozenset[str] = frozenset(
    {"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request"}
)
"""The raw request object."""

RAW_BODY_METHODS: frozenset[str] = frozenset({"json", "body", "form", "stream"})
"""Request methods that read the body without validation."""

DEPENDS: frozenset[str] = frozenset(
    {"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security"}
)
"""Markers of a dependency parameter (not a body)."""

SECURITY: frozenset[str] = frozenset({"fastapi.Security", "fastapi.params.Security"})
"""A dependency declared as a security requirement: it reads credentials."""


def _security(module: str, names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        qualified
        for name in names
        for qualified in (f"fastapi.security.{name}", f"{module}.{name}")
    )


SECURITY_SCHEMES: frozenset[str] = (
    _security(
        "fastapi.security.oauth2",
        ("OAuth2", "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer"),
    )
    | _security("fastapi.security.http", ("HTTPBearer", "HTTPBasic", "HTTPDigest"))
    | _security("fastapi.security.api_key", ("APIKeyHeader", "APIKeyQuery", "APIKeyCookie"))
    | _security("fastapi.security.open_id_connect_url", ("OpenIdConnect",))
)
"""FastAPI's security schemes: a dependency on an instance reads the request's credentials."""

SIGN_IN_FORMS: frozenset[str] = _security(
    "fastapi.security.oauth2", ("OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict")
)
"""Forms that carry credentials to be checked (a sign-in route's own way of knowing who calls)."""

ANNOTATED: frozenset[str] = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
"""`Annotated[T, ...]`: the type is the first argument."""

OPTIONAL: frozenset[str] = frozenset(
    {"typing.Optional", "typing.Union", "typing_extensions.Optional"}
)
"""Wrappers whose arguments are the possible types."""

NEW_TYPES: frozenset[str] = frozenset({"typing.NewType", "typing_extensions.NewType"})
"""`NewType("Name", T)`: a distinct name for the type `T`."""

ITERATORS: frozenset[str] = frozenset(
    {
        "typing.Iterator",
        "typing.Generator",
        "typing.AsyncIterator",
        "typing.AsyncGenerator",
        "collections.abc.Iterator",
        "collections.abc.Generator",
        "collections.abc.AsyncIterator",
        "collections.abc.AsyncGenerator",
    }
)
"""Return types of yield dependencies: the yielded type is the first argument."""

CONTAINERS: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "typing.Dict",
        "typing.List",
        "typing.Mapping",
        "collections.abc.Mapping",
    }
)
"""Generic containers that are untyped when bare, concrete when their arguments are."""

UNTYPED: frozenset[str] = CONTAINERS | {
    "typing.Any",
    "typing_extensions.Any",
    "builtins.object",
    "typing.MutableMapping",
    "collections.abc.MutableMapping",
}
"""Types that say nothing about the shape of the data (`dict`, `list` when bare or of `Any`)."""

SETTINGS_BASES: frozenset[str] = frozenset(
    {
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",
    }
)
"""Base classes of settings models."""

SECRET_WRAPPERS: frozenset[str] = frozenset(
    {
        "pydantic.SecretStr",
        "pydantic.SecretBytes",
        "pydantic.types.SecretStr",
        "pydantic.Field",
        "pydantic.fields.Field",
    }
)
"""Calls whose first argument (or `default=`) is the field's default value."""

ENUM_BASES: frozenset[str] = frozenset(
    {"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag", "strenum.StrEnum"}
)
"""Base classes of enums: their members' values are labels, not secrets."""

GETENV: frozenset[str] = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
"""Environment lookups with a fallback as second argument."""

BLOCKING_CALLS: frozenset[str] = frozenset(
    {
        "time.sleep",
        "builtins.open",
        "builtins.input",
        "os.system",
        "os.popen",
        "os.wait",
        "os.waitpid",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "subprocess.Popen",
        "urllib.request.urlopen",
        "urllib3.request",
        "socket.create_connection",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.options",
        "requests.request",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.patch",
        "httpx.delete",
        "httpx.head",
        "httpx.options",
        "httpx.request",
        "httpx.stream",
        "httpx.Client",
        "requests.Session",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    }
)
"""Calls that block the thread (ruff's ASYNC2xx set, plus sync HTTP clients)."""

RESPONSE_TYPES: frozenset[str] = frozenset(
    {
        "fastapi.Response",
        "fastapi.responses.Response",
        "starlette.responses.Response",
        *(
            f"{package}.{name}"
            for package in ("fastapi.responses", "starlette.responses")
            for name in (
                "HTMLResponse",
                "PlainTextResponse",
                "JSONResponse",
                "ORJSONResponse",
                "UJSONResponse",
                "RedirectResponse",
                "StreamingResponse",
                "FileResponse",
            )
        ),
        "fastapi.sse.EventSourceResponse",
        "sse_starlette.EventSourceResponse",
        "sse_starlette.sse.EventSourceResponse",
    }
)
"""Response classes: a handler returning one decides its own body and media type."""
