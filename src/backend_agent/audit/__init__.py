"""The auditor: architecture rules for FastAPI backends, merged with ruff's findings.

`run_check` is the programmatic entry point (`verify` uses it); `commands` holds the
`check` and `rule` CLI commands.
"""

from backend_agent.audit.config import AuditConfig, load_config
from backend_agent.audit.finding import Applicability, Edit, Finding, Fix
from backend_agent.audit.registry import RULES, Rule
from backend_agent.audit.runner import AuditReport, run_check

__all__ = [
    "RULES",
    "Applicability",
    "AuditConfig",
    "AuditReport",
    "Edit",
    "Finding",
    "Fix",
    "Rule",
    "load_config",
    "run_check",
]
