"""What the health endpoints answer."""

from typing import Literal

from pydantic import BaseModel


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """`ready` is false when any backing service failed its check; `checks` says which."""

    ready: bool
    checks: dict[str, str]
