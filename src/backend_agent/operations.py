"""The operations every entry point calls: the CLI, the agent's tools and the tests.

Each loads the blueprint, changes it, renders the project from it, and hands the result
to `write`, so dry-run, merge and undo behave the same whatever called them.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from backend_agent.blueprint import (
    BLUEPRINT_FILE,
    Blueprint,
    BlueprintDocument,
    load_blueprint,
    new_document,
    parse_blueprint,
)
from backend_agent.blueprint import agents as blueprint_agents
from backend_agent.blueprint import document as blueprint_document
from backend_agent.blueprint.access import access_from_input, with_owner_field
from backend_agent.blueprint.fields import parse_field
from backend_agent.blueprint.model import resource_from_input
from backend_agent.blueprint.names import snake_case
from backend_agent.errors import BlueprintError, ProjectError, UsageError
from backend_agent.formatting import format_python
from backend_agent.plan.files import project_files, router_modules
from backend_agent.plan.migrations import (
    KEYS_MODEL,
    VERSIONS_DIR,
    Migration,
    schema_steps,
    write_migration,
)
from backend_agent.plan.router import ROUTER_FILE, register_routers
from backend_agent.write import (
    GENERATED_DIR,
    FileChange,
    apply_changes,
    conflicts,
    plan_changes,
    project_lock,
    recover,
    undo_last,
)

CONFLICT_MODES = ("stop", "markers")
logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def _one_writer(operation: Callable[Concatenate[Path, P], R]) -> Callable[Concatenate[Path, P], R]:
    """Hold the project's lock from loading the blueprint to writing the last file."""

    @functools.wraps(operation)
    def locked(root: Path, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with project_lock(root, operation.__name__.replace("_", " ")):
            return operation(root, *args, **kwargs)

    return locked


@dataclass
class Outcome:
    """What an operation did (or, in a dry run, would do)."""

    root: Path
    changes: list[FileChange] = field(default_factory=list)
    migration: Migration | None = None
    dry_run: bool = False

    @property
    def written(self) -> list[FileChange]:
        return [change for change in self.changes if change.writes]

    @property
    def conflicted(self) -> list[str]:
        """Files left with conflict markers (only with `conflicts="markers"`)."""
        return conflicts(self.changes)


@_one_writer
def new_project(
    target: Path,
    *,
    blueprint: Path | None = None,
    name: str | None = None,
    description: str = "",
    force: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """Create a project in `target` (which must be absent or empty unless `force`).

    With `blueprint`, the project is generated from that backend.toml, resources included.
    """
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory; pick another path")
    occupied = target.is_dir() and any(target.iterdir())
    if occupied and not force:
        raise UsageError(
            f"{target} is not empty; pick an empty directory or pass --force to generate into it"
        )
    project_name = name or snake_case(re.sub(r"[^A-Za-z0-9]+", "_", target.name)).strip("_")
    if blueprint is not None:
        if not blueprint.is_file():
            raise UsageError(f"blueprint {blueprint} does not exist")
        document = parse_blueprint(blueprint.read_text(encoding="utf-8"), source=str(blueprint))
    else:
        document = new_document(project_name or "app", description or f"The {project_name} API.")
    if occupied or dry_run:
        return _generate(target, document, command="new", dry_run=dry_run)
    # Build beside the target and rename it into place: no half-written project on failure.
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        outcome = _generate(staging, document, command="new", dry_run=False)
        if target.is_dir():
            target.rmdir()
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    outcome.root = target
    return outcome


@_one_writer
def add_resource(
    root: Path,
    name: str,
    fields: list[str],
    *,
    store: str = "postgres",
    ops: list[str] | None = None,
    access: list[str] | None = None,
    timestamps: bool = True,
    soft_delete: bool = False,
    transitions: list[str] | None = None,
    dry_run: bool = False,
    conflict_mode: str = "stop",
) -> Outcome:
    """Add a resource to the blueprint and generate its code and migration.

    `access` holds levels as the command line takes them: `["owner", "read=public"]`; owner
    access adds an `owner:ref(Account)` field when the resource has no ref to the account.
    `timestamps`: the server keeps its `created_at` and `updated_at`; `soft_delete`: DELETE
    marks rows deleted, administrators restore or purge them. `transitions` are the allowed
    moves of enum fields, `["status:draft->published"]`.
    """
    rules = access_from_input(access) if access else None
    resource = resource_from_input(
        name,
        store=store,
        fields=fields,
        ops=ops,
        access=rules,
        timestamps=timestamps,
        soft_delete=soft_delete,
        transitions=transitions,
    )
    return _edit(
        root,
        lambda current: blueprint_document.add_resource(
            current, with_owner_field(resource, current.blueprint)
        ),
        command=f"add resource {name}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def add_auth(
    root: Path, *, account: str = "User", dry_run: bool = False, conflict_mode: str = "stop"
) -> Outcome:
    """Give the project accounts: registration, sign-in with tokens, access levels per
    operation, rate limits. `account` names the resource people register as (created, with
    an email, when missing)."""
    return _edit(
        root,
        lambda current: blueprint_document.add_auth(current, account),
        command="add auth",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def change_access(
    root: Path,
    resource: str,
    access: list[str],
    *,
    dry_run: bool = False,
    conflict_mode: str = "stop",
) -> Outcome:
    """Change who may call a resource's operations (`["owner", "read=public"]`)."""
    rules = access_from_input(access)
    return _edit(
        root,
        lambda current: blueprint_document.set_access(current, resource, rules),
        command=f"change access {resource}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def add_agent(
    root: Path,
    name: str,
    *,
    instructions: str,
    tools: list[str],
    dry_run: bool = False,
    conflict_mode: str = "stop",
) -> Outcome:
    """Add an agent (OpenAI Agents SDK) whose tools call the services of existing resources."""
    agent = blueprint_agents.agent_from_input(name, instructions=instructions, tools=tools)
    return _edit(
        root,
        lambda current: blueprint_document.add_agent(current, agent),
        command=f"add agent {name}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def add_field(
    root: Path,
    resource: str,
    fields: list[str],
    *,
    backfill: list[str] | None = None,
    dry_run: bool = False,
    conflict_mode: str = "stop",
) -> Outcome:
    """Add fields to a resource: code, tests and the migration that adds the columns."""
    specs = [parse_field(spec) for spec in fields]
    return _edit(
        root,
        lambda current: blueprint_document.add_fields(current, resource, specs),
        command=f"add field {resource}",
        dry_run=dry_run,
        backfill=_backfill_values(backfill, resource=resource),
        conflict_mode=conflict_mode,
    )


@_one_writer
def remove_field(
    root: Path, resource: str, name: str, *, dry_run: bool = False, conflict_mode: str = "stop"
) -> Outcome:
    """Remove a field from a resource and drop its column in a migration."""
    return _edit(
        root,
        lambda current: blueprint_document.remove_field(current, resource, name),
        command=f"remove field {resource}.{name}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def remove_resource(
    root: Path, name: str, *, dry_run: bool = False, conflict_mode: str = "stop"
) -> Outcome:
    """Remove a resource: its files (unless you edited them) and, in a migration, its table."""
    return _edit(
        root,
        lambda current: blueprint_document.remove_resource(current, name),
        command=f"remove resource {name}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def change_operations(
    root: Path,
    resource: str,
    ops: list[str],
    *,
    dry_run: bool = False,
    conflict_mode: str = "stop",
) -> Outcome:
    """Change which operations a resource exposes."""
    return _edit(
        root,
        lambda current: blueprint_document.set_operations(current, resource, ops),
        command=f"change resource {resource}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


@_one_writer
def change_soft_delete(
    root: Path, resource: str, on: bool, *, dry_run: bool = False, conflict_mode: str = "stop"
) -> Outcome:
    """Turn soft delete on or off; the migration adds or drops `deleted_at` and swaps unique
    constraints for unique indexes over the rows not deleted (and back)."""
    return _edit(
        root,
        lambda current: blueprint_document.set_soft_delete(current, resource, on),
        command=f"change resource {resource}",
        dry_run=dry_run,
        conflict_mode=conflict_mode,
    )


def _edit(
    root: Path,
    edit: Callable[[BlueprintDocument], BlueprintDocument],
    *,
    command: str,
    dry_run: bool,
    conflict_mode: str,
    backfill: dict[str, str] | None = None,
) -> Outcome:
    """Apply `edit` to the blueprint on disk and generate from the result: every `add`,
    `remove` and `change` is this, with its own edit."""
    return _generate(
        root,
        edit(load_project(root)),
        command=command,
        dry_run=dry_run,
        backfill=backfill,
        conflict_mode=conflict_mode,
    )


def _backfill_values(values: list[str] | None, *, resource: str | None = None) -> dict[str, str]:
    """`["age=0"]` for resource User, or `["User.age=0"]` -> `{"User.age": "0"}`."""
    form = "FIELD=VALUE" if resource is not None else "Resource.field=VALUE"
    found: dict[str, str] = {}
    for item in values or []:
        name, equals, value = item.partition("=")
        name = name.strip()
        key = f"{resource}.{name}" if resource is not None else name
        if not equals or not name or "." not in key:
            raise UsageError(f"--backfill takes {form}, not {item!r}")
        found[key] = value
    return found


@_one_writer
def apply(
    root: Path,
    *,
    dry_run: bool = False,
    backfill: list[str] | None = None,
    conflict_mode: str = "stop",
) -> Outcome:
    """Bring the code in line with a hand-edited backend.toml.

    `backfill` holds "Resource.field=VALUE" items: the value rows stored before a new
    required field get.
    """
    return _generate(
        root,
        load_project(root),
        command="apply",
        dry_run=dry_run,
        backfill=_backfill_values(backfill),
        conflict_mode=conflict_mode,
    )


@_one_writer
def undo(root: Path, *, force: bool = False) -> tuple[str, list[str]]:
    """Restore the project as it was before the last command (refused over later edits)."""
    load_project(root)
    return undo_last(root, force=force)


def _generate(
    root: Path,
    document: BlueprintDocument,
    *,
    command: str,
    dry_run: bool,
    backfill: dict[str, str] | None = None,
    conflict_mode: str = "stop",
) -> Outcome:
    """Render the project from `document` and write it: the pipeline of every operation."""
    if conflict_mode not in CONFLICT_MODES:
        raise UsageError(f"--conflicts takes {' or '.join(CONFLICT_MODES)}, not {conflict_mode!r}")
    blueprint = document.blueprint
    previous = _last_generated_blueprint(root)
    rendered = project_files(blueprint)
    rendered = format_python(rendered, rendered["pyproject.toml"])
    blueprint_text = document.dumps()
    rendered[BLUEPRINT_FILE] = blueprint_text
    migrations = _existing_migrations(root)
    keys_table = (root / GENERATED_DIR / KEYS_MODEL).is_file()
    steps = schema_steps(previous, blueprint, backfill=backfill, keys_table=keys_table)
    migration = write_migration(steps, migrations)
    if migration is not None:
        rendered.update(format_python({migration.path: migration.text}, rendered["pyproject.toml"]))
    changes = plan_changes(
        root,
        rendered,
        injected={
            BLUEPRINT_FILE: lambda _current: blueprint_text,
            ROUTER_FILE: lambda current: _format_one(
                ROUTER_FILE,
                register_routers(
                    current,
                    router_modules(blueprint),
                    remove=_removed_modules(previous, blueprint),
                ),
                rendered["pyproject.toml"],
            ),
        },
        removable=lambda path: not path.startswith(VERSIONS_DIR) and path != BLUEPRINT_FILE,
    )
    outcome = Outcome(root, changes, migration, dry_run)
    if (clashes := conflicts(changes)) and conflict_mode == "stop":
        raise ProjectError(
            f"your edits conflict with the regenerated code in {', '.join(clashes)}; "
            "nothing was written (resolve by hand, or re-run with --conflicts=markers)"
        )
    if not dry_run:
        apply_changes(root, changes, command=command)
    return outcome


def load_project(root: Path) -> BlueprintDocument:
    """The project's blueprint, after rolling back a command that was killed mid-write."""
    if recover(root):
        logger.warning("rolled back an interrupted backend-agent command in %s", root)
    return load_blueprint(root)


def _removed_modules(previous: Blueprint | None, blueprint: Blueprint) -> list[str]:
    current = set(router_modules(blueprint))
    return [m for m in router_modules(previous) if m not in current] if previous else []


def _format_one(path: str, text: str, pyproject: str) -> str:
    return format_python({path: text}, pyproject)[path]


def _existing_migrations(root: Path) -> dict[str, str]:
    folder = root / VERSIONS_DIR
    if not folder.is_dir():
        return {}
    return {
        f"{VERSIONS_DIR}/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.py"))
    }


def _last_generated_blueprint(root: Path) -> Blueprint | None:
    recorded = root / GENERATED_DIR / BLUEPRINT_FILE
    if not recorded.is_file():
        return None
    try:
        text = recorded.read_text(encoding="utf-8")
        return parse_blueprint(text, source=str(recorded)).blueprint
    except BlueprintError as error:
        raise ProjectError(
            f"recorded state is damaged ({error}); restore {GENERATED_DIR}"
        ) from None
