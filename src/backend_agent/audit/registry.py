"""The table of permanent rule codes. A code is never reused, even when its rule retires.

Codes group by concern: BA0xx the checker itself, BA1xx layering and routes, BA2xx
databases and sessions, BA3xx secrets and credentials. ruff's codes (T201, ANN, ASYNC, FAST,
S) keep their own names in the merged report.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from backend_agent.audit.parsed_module import ParsedModule, Violation
from backend_agent.audit.rules import (
    blocking_call_in_helper,
    commit_in_finally,
    commit_in_loop,
    credentials_in_url,
    db_access_in_route,
    hardcoded_secret,
    http_exception_in_service,
    layer_violation,
    raw_request_body,
    route_without_response_model,
    secret_env_fallback,
    session_created_in_handler,
    sync_db_in_async,
    syntax_error,
    unused_noqa,
    unverified_token_decode,
    write_route_without_auth,
    writes_without_transaction,
)

Check = Callable[[ParsedModule], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    """One rule: its permanent code, its name, its check and its documentation."""

    code: str
    """Permanent code, e.g. `BA201`."""
    name: str
    """Kebab-case name, e.g. `db-access-in-route`."""
    doc: str
    """The rule module's docstring: summary line, then the fixed sections."""
    check: Check | None = None
    """Runs over one module; None for the checker's own codes (syntax errors, unused noqa)."""

    @property
    def summary(self) -> str:
        """The documentation's first line."""
        return self.doc.splitlines()[0] if self.doc else self.name


def _rule(code: str, name: str, documented: object, check: Check | None = None) -> Rule:
    return Rule(code, name, inspect.getdoc(documented) or "", check)


SYNTAX_ERROR = "BA001"
UNUSED_NOQA = "BA002"

RULES: tuple[Rule, ...] = (
    _rule(SYNTAX_ERROR, "syntax-error", syntax_error),
    _rule(UNUSED_NOQA, "unused-noqa", unused_noqa),
    _rule("BA101", "layer-violation", layer_violation, layer_violation.check),
    _rule(
        "BA102",
        "http-exception-in-service",
        http_exception_in_service,
        http_exception_in_service.check,
    ),
    _rule(
        "BA103",
        "route-without-response-model",
        route_without_response_model,
        route_without_response_model.check,
    ),
    _rule("BA104", "raw-request-body", raw_request_body, raw_request_body.check),
    _rule(
        "BA105",
        "write-route-without-auth",
        write_route_without_auth,
        write_route_without_auth.check,
    ),
    _rule("BA201", "db-access-in-route", db_access_in_route, db_access_in_route.check),
    _rule(
        "BA202",
        "session-created-in-handler",
        session_created_in_handler,
        session_created_in_handler.check,
    ),
    _rule(
        "BA203",
        "writes-without-transaction",
        writes_without_transaction,
        writes_without_transaction.check,
    ),
    _rule("BA204", "commit-in-loop", commit_in_loop, commit_in_loop.check),
    _rule("BA205", "commit-in-finally", commit_in_finally, commit_in_finally.check),
    _rule("BA206", "sync-db-in-async", sync_db_in_async, sync_db_in_async.check),
    _rule(
        "BA207", "blocking-call-in-helper", blocking_call_in_helper, blocking_call_in_helper.check
    ),
    _rule("BA301", "hardcoded-secret", hardcoded_secret, hardcoded_secret.check),
    _rule("BA302", "secret-env-fallback", secret_env_fallback, secret_env_fallback.check),
    _rule("BA303", "credentials-in-url", credentials_in_url, credentials_in_url.check),
    _rule(
        "BA304",
        "unverified-token-decode",
        unverified_token_decode,
        unverified_token_decode.check,
    ),
)
"""Every code in use, in code order."""

RETIRED: dict[str, str] = {}
"""Codes no longer in use -> why (or which code replaced them); never reassigned."""

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
ALL_CODES: frozenset[str] = frozenset(BY_CODE) | frozenset(RETIRED)
"""Codes valid in selectors and `# noqa`, retired ones included so old configs keep working."""
