"""The agent's tools: one small function each, wrapping the operations the CLI calls.

The docstrings below are what the model reads (the SDK turns them into tool descriptions
and parameter docs), so they are written for it. Every failure comes back to the model as
a one-line message instead of ending the run: our `BackendAgentError`s as they are, and
malformed arguments with the validation error spelled out (the SDK redacts it by default,
so `_explain_failure` validates the raw arguments again to say what was wrong). Each
function is named after its tool with a `_tool` suffix (the model sees the bare name), so
none shadows the operation it wraps. To add a tool, write one function here and list it in
`TOOL_FUNCTIONS`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents import FunctionTool, RunContextWrapper, function_tool
from agents.exceptions import ModelBehaviorError
from agents.function_schema import function_schema
from agents.tool_context import ToolContext
from pydantic import BaseModel, ValidationError

from backend_agent import operations
from backend_agent.agent.context import AskContext
from backend_agent.agent.snapshot import files_on_disk
from backend_agent.blueprint import BLUEPRINT_FILE, load_blueprint
from backend_agent.blueprint.model import Operation
from backend_agent.errors import BackendAgentError
from backend_agent.operations import Outcome
from backend_agent.stores import Store
from backend_agent.verify import VerifyResult

logger = logging.getLogger(__name__)

Context = RunContextWrapper[AskContext]
MAX_FINDINGS = 50
TOOL_SUFFIX = "_tool"


def describe_project_tool(ctx: Context) -> str:
    """Show the project: its blueprint (backend.toml, resources and fields) and its files.

    Call this first. Environment values and secret files are never shown.
    """
    with ctx.context.lock:
        root = ctx.context.root
        document = load_blueprint(root)
        project = document.blueprint.project
        files = "\n".join(files_on_disk(root))
        return (
            f"project {project.name}: {project.description}\n\n"
            f"# {BLUEPRINT_FILE}\n{document.dumps()}\n"
            f"# files\n{files}\n"
        )


def read_file_tool(ctx: Context, path: str) -> str:
    """Return the text of one project file.

    Args:
        path: Path relative to the project root, e.g. app/services/users.py.
    """
    with ctx.context.lock:
        return ctx.context.workspace.read(path)


def write_file_tool(ctx: Context, path: str, content: str) -> str:
    """Create a file, or replace all of its text. Python files must parse.

    Args:
        path: Path relative to the project root, e.g. app/services/reports.py.
        content: The complete new text of the file.
    """
    with ctx.context.lock:
        return ctx.context.workspace.write(path, content)


def edit_file_tool(ctx: Context, path: str, search: str, replace: str) -> str:
    """Replace one exact piece of a file's text with another.

    The search text must occur exactly once: copy it from read_file, whitespace included,
    and add surrounding lines when it is not unique.

    Args:
        path: Path relative to the project root.
        search: The exact text to replace; must occur once in the file.
        replace: The text to put in its place.
    """
    with ctx.context.lock:
        return ctx.context.workspace.edit(path, search, replace)


def add_resource_tool(
    ctx: Context,
    name: str,
    fields: list[str],
    ops: list[Operation] | None,
    store: Store,
    access: list[str] | None = None,
    soft_delete: bool = False,
    transitions: list[str] | None = None,
) -> str:
    """Add a resource: table, schemas, service, routes, tests and an Alembic migration.

    Field syntax is name:type[:modifier...]. Types: str, text, int, float, decimal, bool,
    date, datetime, uuid, email, url, enum(a|b), json, list[str], ref(Resource),
    many(Resource) (links to rows of another resource of the same store; `:ids` puts the
    linked ids in every answer).
    Modifiers: optional, unique, index, min=N, max=N (lengths for strings, bounds for
    numbers), default=VALUE (default=now for datetimes), and for list queries (the route
    and agent list tools take them, indexed): filter (?status=a&status=b, ?total_min=,
    ?total_max=), sort (?sort=-created_at,total) and search on text (?name_contains=);
    counter on an int (starts at 0, only POST /things/{id}/<field> adds to it, atomically)
    and group (counted per value by GET /things/stats?group_by=<field>).
    Examples: email:email:unique, age:int:min=0:max=150:optional,
    status:enum(active|banned):default=active:filter, total:decimal:min=0:filter:sort,
    owner:ref(User), views:int:counter, status:enum(draft|published):default=draft:group.

    Args:
        name: PascalCase singular name, e.g. User or OrderItem.
        fields: Field specs; the id field is added for you.
        ops: HTTP operations to expose; null for all five (bulk, many creates in one
            request, only when listed).
        store: "postgres" for relational data, "mongo" for flexible documents.
        access: Who may call it, once the project has accounts (add_auth): items like
            "owner" (every operation) and "read=public" (one operation); levels are
            public, authenticated, owner, admin. Null for the default (authenticated).
        soft_delete: DELETE keeps the row as deleted, restorable or purged by admins.
        transitions: Allowed moves of enum fields, e.g. ["status:draft->published"]: the
            field starts in its default and changes only along them (409 otherwise).
    """
    with ctx.context.lock:
        outcome = operations.add_resource(
            ctx.context.root,
            name,
            list(fields),
            store=store.value,
            ops=[op.value for op in ops] if ops else None,
            access=list(access) if access else None,
            soft_delete=soft_delete,
            transitions=list(transitions) if transitions else None,
        )
        return _outcome_text(ctx.context, f"add resource {name}", outcome)


def add_field_tool(
    ctx: Context, resource: str, fields: list[str], backfill: list[str] | None
) -> str:
    """Add fields to an existing resource, with the migration that adds their columns.

    A required field without a default cannot be added to a table that may have rows
    unless `backfill` gives the value those rows get.

    Args:
        resource: The resource, e.g. User.
        fields: Field specs, same syntax as add_resource.
        backfill: Items like "nickname=anon"; null when not needed.
    """
    with ctx.context.lock:
        outcome = operations.add_field(ctx.context.root, resource, list(fields), backfill=backfill)
        return _outcome_text(ctx.context, f"add field {resource}", outcome)


def remove_field_tool(ctx: Context, resource: str, name: str) -> str:
    """Remove a field from a resource; the migration drops its column.

    Args:
        resource: The resource, e.g. User.
        name: The field's name as written in backend.toml (for a ref, without `_id`).
    """
    with ctx.context.lock:
        outcome = operations.remove_field(ctx.context.root, resource, name)
        return _outcome_text(ctx.context, f"remove field {resource}.{name}", outcome)


def remove_resource_tool(ctx: Context, name: str) -> str:
    """Remove a resource, its generated files and (in a migration) its table.

    Args:
        name: The resource, e.g. Tag. Refused while another resource refers to it.
    """
    with ctx.context.lock:
        outcome = operations.remove_resource(ctx.context.root, name)
        return _outcome_text(ctx.context, f"remove resource {name}", outcome)


def add_auth_tool(ctx: Context, account: str) -> str:
    """Give the API accounts: POST /auth/register, POST /auth/token (a JWT), GET /auth/me,
    hashed passwords, access levels per operation and rate limits, with tests.

    Then every operation needs a signed-in account unless its resource says otherwise:
    use change_access (or add_resource's access) to make operations public, owner-only or
    admin-only.

    Args:
        account: The PostgreSQL resource people register as, e.g. User; created with an
            email field when missing, else it needs a required email:email:unique field.
    """
    with ctx.context.lock:
        outcome = operations.add_auth(ctx.context.root, account=account)
        return _outcome_text(ctx.context, "add auth", outcome)


def change_access_tool(ctx: Context, resource: str, access: list[str]) -> str:
    """Change who may call a resource's operations (needs accounts: add_auth first).

    Levels: public (anyone), authenticated (any signed-in account), owner (only the rows
    of the signed-in account: it owns what it creates, lists only its own, and another
    account's row is 404), admin (administrators, who also pass every other check).

    Args:
        resource: The resource, e.g. Order.
        access: Items like "owner" (every operation) and "read=public" (one operation:
            create, read, list, update or delete); they replace the resource's access.
    """
    with ctx.context.lock:
        outcome = operations.change_access(ctx.context.root, resource, list(access))
        return _outcome_text(ctx.context, f"change access {resource}", outcome)


def add_agent_tool(ctx: Context, name: str, instructions: str, tools: list[str]) -> str:
    """Add an OpenAI Agents SDK agent to the generated API, with tools that call services.

    It gets POST /agents/NAME/runs (JSON and streaming), conversation memory in MongoDB,
    settings and offline tests.

    Args:
        name: snake_case name, e.g. assistant.
        instructions: What the agent is for and how it should behave.
        tools: Items like "User.read", "Order.list", "Preference.update"; operations are
            read, list, create, update.
    """
    with ctx.context.lock:
        outcome = operations.add_agent(
            ctx.context.root, name, instructions=instructions, tools=list(tools)
        )
        return _outcome_text(ctx.context, f"add agent {name}", outcome)


def apply_blueprint_tool(ctx: Context) -> str:
    """Regenerate the code after you edited backend.toml (merging with hand edits)."""
    with ctx.context.lock:
        outcome = operations.apply(ctx.context.root)
        return _outcome_text(ctx.context, "apply", outcome)


def check_tool(ctx: Context, paths: list[str] | None) -> str:
    """Audit source files for architecture problems and ruff findings (fast; no tests).

    Args:
        paths: Files or folders relative to the project root; null for the whole project.
    """
    from backend_agent.audit import run_check

    with ctx.context.lock:
        workspace = ctx.context.workspace
        targets = [workspace.resolve(path)[0] for path in paths or []] or [workspace.root]
        report = run_check(targets, include_ruff=True)
        findings = report.findings
        if not findings:
            return f"no findings in {report.files_checked} files"
        lines = [
            f"{_relative(workspace.root, Path(finding.path))}:{finding.line}: "
            f"{finding.code} {finding.message}"
            + (f" (fix: {finding.fix_title})" if finding.fix_title else "")
            for finding in findings[:MAX_FINDINGS]
        ]
        more = len(findings) - MAX_FINDINGS
        if more > 0:
            lines.append(f"... and {more} more")
        return f"{len(findings)} findings:\n" + "\n".join(lines)


def verify_tool(ctx: Context) -> str:
    """Run ruff, ruff format, mypy --strict, the audit, migrations and the tests on PostgreSQL.

    Call it when your change is complete; it takes a while. On failure, fix the cause
    shown and call it again.
    """
    with ctx.context.lock:
        return verification_text(ctx.context.verify())


TOOL_FUNCTIONS: tuple[Callable[..., str], ...] = (
    describe_project_tool,
    read_file_tool,
    write_file_tool,
    edit_file_tool,
    add_resource_tool,
    add_field_tool,
    remove_field_tool,
    remove_resource_tool,
    add_auth_tool,
    change_access_tool,
    add_agent_tool,
    apply_blueprint_tool,
    check_tool,
    verify_tool,
)
"""The tools, in the order the model sees them."""


def build_tools() -> list[FunctionTool]:
    """Wrap every tool function for the SDK, each with its own failure explainer."""
    tools: list[FunctionTool] = []
    for func in TOOL_FUNCTIONS:
        name = func.__name__.removesuffix(TOOL_SUFFIX)
        arguments = function_schema(func, name_override=name).params_pydantic_model
        tools.append(
            function_tool(
                func, name_override=name, failure_error_function=_explain_failure(arguments)
            )
        )
    return tools


def verification_text(result: VerifyResult) -> str:
    """A verification result as the model should read it: the verdict, then what failed."""
    failed = [step for step in result.steps if not step.ok]
    verdict = "passed" if not failed else f"FAILED ({len(failed)} of {len(result.steps)} steps)"
    lines = [f"verification {verdict}"]
    lines += [
        f"{'pass' if step.ok else 'FAIL'} {step.name}: {step.summary}" for step in result.steps
    ]
    for step in failed:
        if step.output:
            lines += ["", f"--- {step.name} output (tail) ---", step.output]
    return "\n".join(lines)


def _outcome_text(context: AskContext, command: str, outcome: Outcome) -> str:
    context.operation_paths.update(dict.fromkeys((c.path for c in outcome.written), command))
    lines = [f"{command}: done, {len(outcome.written)} files written"]
    lines += [f"  {change.action.value} {change.path}" for change in outcome.written]
    if outcome.migration is not None:
        lines.append(f"migration {outcome.migration.path} ({outcome.migration.message})")
    return "\n".join(lines)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _explain_failure(
    arguments: type[BaseModel],
) -> Callable[[RunContextWrapper[Any], Exception], str]:
    """Turn any tool failure into a message the model can act on."""

    def explain(ctx: RunContextWrapper[Any], error: Exception) -> str:
        if isinstance(error, BackendAgentError):
            return f"error: {error}"
        if isinstance(error, ModelBehaviorError) and str(error).startswith("Invalid JSON input"):
            raw = ctx.tool_arguments if isinstance(ctx, ToolContext) else ""
            return f"error: invalid arguments: {invalid_arguments(arguments, raw)}"
        logger.warning("tool failed unexpectedly", exc_info=error)
        return f"error: the tool failed unexpectedly ({type(error).__name__}: {error})"

    return explain


def invalid_arguments(arguments: type[BaseModel], raw: str) -> str:
    """Say what is wrong with a tool call's raw JSON arguments, without echoing them."""
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError as error:
        return (
            f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "send one JSON object that matches the tool's parameters"
        )
    if not isinstance(data, dict):
        return "expected a JSON object with the tool's parameters"
    try:
        arguments.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'arguments'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        ]
        return "; ".join(problems) + "; fix them and call again"
    return "the SDK rejected them; check them against the tool's parameters and call again"
