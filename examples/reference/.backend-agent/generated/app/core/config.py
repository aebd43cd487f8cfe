"""Settings, read from the environment (and `.env` in development) once per process."""

from functools import lru_cache
from typing import Literal

from limits import parse
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.logging import LogFormat

MIN_SECRET_BYTES = 32
"""HS256 keys shorter than its 256-bit output can be brute-forced from any token."""


class PostgresSettings(BaseSettings):
    """PostgreSQL's settings: all that migrations need (they run without the other services)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr
    """SQLAlchemy URL of PostgreSQL, e.g. postgresql+asyncpg://user:password@host:5432/db."""
    database_pool_size: int = Field(default=10, ge=1)
    """Connections of each process (each uvicorn worker): workers x this must stay below
    PostgreSQL's max_connections (100 by default, a few kept for superusers)."""
    database_pool_timeout: float = Field(default=5.0, gt=0)
    """Seconds a request waits in line for a free connection before it is answered 503."""
    database_connect_timeout: float = Field(default=5.0, gt=0)
    database_statement_timeout: float = Field(default=15.0, gt=0)


class Settings(PostgresSettings):
    """Every URL, secret, pool size and timeout the app uses; secrets have no defaults."""

    app_name: str = "reference"
    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: LogFormat = "text"
    """`json`: one JSON object per line (time, level, logger, request_id, message)."""
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    """Requests with a larger body are refused with 413 before they are parsed."""
    idempotency_key_seconds: int = Field(default=86_400, ge=1)
    """How long the answer to a create sent with an Idempotency-Key is kept for retries."""

    mongodb_url: SecretStr
    """MongoDB connection string, e.g. mongodb://user:password@host:27017/?replicaSet=rs0."""
    mongodb_database: str = "reference"
    mongodb_pool_size: int = Field(default=10, ge=1)
    mongodb_timeout_ms: int = Field(default=5000, ge=1)
    """Milliseconds to find a server or connect before a request is answered 503."""

    agent_model: str | None = None
    """The model agents run on, e.g. gpt-4.1-mini; unset: agent routes answer 503."""
    agent_api_key: SecretStr | None = None
    """The model provider's API key; unset: agent routes answer 503."""
    agent_base_url: str | None = None
    """An OpenAI-compatible server (spoken to through Chat Completions); unset: OpenAI."""
    agent_max_turns: int = Field(default=8, ge=1)
    """Model calls one run may make before it is stopped."""
    agent_timeout_seconds: float = Field(default=60.0, gt=0)
    """Seconds one run may take, tool calls included, before it is answered 504."""
    agent_history_items: int = Field(default=40, ge=1)
    """Items of a conversation's history a run sees (older ones stay stored)."""
    agent_tracing: bool = False
    """Send the SDK's traces (which include prompts and answers) to OpenAI."""

    auth_secret_key: SecretStr
    """Signs access tokens (HS256): at least 32 random bytes, e.g. the output of
    `python -c "import secrets; print(secrets.token_urlsafe(48))"`. Changing it signs
    everyone out."""
    auth_token_minutes: int = Field(default=30, ge=1, le=1440)
    """How long an access token is valid; after that, sign in again."""
    rate_limit_storage_url: SecretStr | None = None
    """Where rate-limit counts live. Unset: in each process's memory, which is right for one
    process; with several workers or replicas, a shared Redis, e.g. redis://host:6379/0
    (`pip install "limits[async-redis]"`), or each counts on its own."""
    sign_in_rate_limit: str = "10/minute"
    """Sign-in attempts per client address, and per email."""
    register_rate_limit: str = "20/hour"
    """Registrations per client address."""
    agent_rate_limit: str = "30/minute"
    """Agent runs per account."""

    @field_validator("auth_secret_key")
    @classmethod
    def _long_enough(cls, key: SecretStr) -> SecretStr:
        if len(key.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"AUTH_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes; make one with "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return key

    @field_validator("sign_in_rate_limit", "register_rate_limit", "agent_rate_limit")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate; write e.g. 10/minute or 100/hour") from None
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process. A required value missing from the environment (and
    `.env`), or one that is invalid, stops the process here with one line naming each
    variable to fix."""
    try:
        return Settings.model_validate({})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise SystemExit(f"settings: {problems} (set them in the environment or .env)") from None
