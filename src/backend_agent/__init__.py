"""backend-agent: generates, evolves and audits FastAPI + SQLModel/PostgreSQL + MongoDB backends.

The Python API is what the command line and `ask` call themselves:

    from backend_agent import new_project, add_resource, verify, run_check

    new_project(Path("shop"))
    add_resource(Path("shop"), "User", ["name:str", "email:email:unique"])
    assert verify(Path("shop")).ok
    print(run_check([Path("shop")]).findings)

Names are imported on first use, so `import backend_agent` (and the CLI) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version
from typing import TYPE_CHECKING

__version__ = version("backend-agent")

_HOMES = {
    "Outcome": "backend_agent.operations",
    "new_project": "backend_agent.operations",
    "add_resource": "backend_agent.operations",
    "add_field": "backend_agent.operations",
    "add_agent": "backend_agent.operations",
    "add_auth": "backend_agent.operations",
    "remove_field": "backend_agent.operations",
    "remove_resource": "backend_agent.operations",
    "change_operations": "backend_agent.operations",
    "change_access": "backend_agent.operations",
    "apply": "backend_agent.operations",
    "undo": "backend_agent.operations",
    "VerifyResult": "backend_agent.verify",
    "verify": "backend_agent.verify",
    "AuditReport": "backend_agent.audit",
    "run_check": "backend_agent.audit",
    "BackendAgentError": "backend_agent.errors",
}

__all__ = [
    "AuditReport",
    "BackendAgentError",
    "Outcome",
    "VerifyResult",
    "__version__",
    "add_agent",
    "add_auth",
    "add_field",
    "add_resource",
    "apply",
    "change_access",
    "change_operations",
    "new_project",
    "remove_field",
    "remove_resource",
    "run_check",
    "undo",
    "verify",
]

if TYPE_CHECKING:
    from backend_agent.audit import AuditReport, run_check
    from backend_agent.errors import BackendAgentError
    from backend_agent.operations import (
        Outcome,
        add_agent,
        add_auth,
        add_field,
        add_resource,
        apply,
        change_access,
        change_operations,
        new_project,
        remove_field,
        remove_resource,
        undo,
    )
    from backend_agent.verify import VerifyResult, verify


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'backend_agent' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
