"""The command line: argument parsing and printing only; the work happens in `operations`."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from backend_agent import __version__
from backend_agent.agent.command import ask
from backend_agent.audit import commands as audit_commands
from backend_agent.errors import BackendAgentError, UsageError
from backend_agent.stores import Store

if TYPE_CHECKING:
    from backend_agent.operations import Outcome
    from backend_agent.serve import LocalEnvironment

# The generator, verify and serve modules (Jinja2, libcst, the templates) are imported by
# the commands that use them, so `check` and `--help` start in a fraction of a second.

app = typer.Typer(
    name="backend-agent",
    help="Generate, evolve and audit FastAPI + SQLModel/PostgreSQL + MongoDB backends.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
add_app = typer.Typer(
    help="Add a resource, a field or an agent to the blueprint and generate its code.",
    no_args_is_help=True,
)
remove_app = typer.Typer(
    help="Remove a field or a resource, with its migration.", no_args_is_help=True
)
change_app = typer.Typer(help="Change an existing resource.", no_args_is_help=True)
app.add_typer(add_app, name="add")
app.add_typer(remove_app, name="remove")
app.add_typer(change_app, name="change")
console = Console(emoji=False, soft_wrap=True)
err_console = Console(stderr=True, emoji=False, soft_wrap=True)

ProjectOption = Annotated[
    Path, typer.Option("--project", "-p", help="The project's root (where backend.toml is).")
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Show the diff of every file it would touch; write nothing."),
]

AccessOption = Annotated[
    list[str] | None,
    typer.Option(
        "--access",
        help="Who may call it: LEVEL for every operation, or OPERATION=LEVEL; repeatable. "
        "Levels: public, authenticated, owner, admin (needs `add auth`).",
    ),
]

ConflictsOption = Annotated[
    str,
    typer.Option(
        "--conflicts",
        help="When your edits clash with regenerated code: stop (write nothing) or markers.",
    ),
]


def _show_version(value: bool) -> None:
    if value:
        console.print(f"backend-agent {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate, evolve and audit FastAPI + SQLModel/PostgreSQL + MongoDB backends.

    Pass --debug anywhere to see tracebacks.
    """


@app.command()
def new(
    directory: Annotated[Path, typer.Argument(help="Where to create the project.")],
    name: Annotated[
        str | None, typer.Option(help="Project name (default: from DIRECTORY).")
    ] = None,
    description: Annotated[str, typer.Option(help="One line about the API.")] = "",
    force: Annotated[bool, typer.Option(help="Generate into a non-empty directory.")] = False,
    blueprint: Annotated[
        Path | None,
        typer.Option("--from", help="Generate from this backend.toml (resources included)."),
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Create a layered FastAPI + PostgreSQL project in DIRECTORY."""
    from backend_agent import operations

    outcome = operations.new_project(
        directory,
        blueprint=blueprint,
        name=name,
        description=description,
        force=force,
        dry_run=dry_run,
    )
    _report(outcome)
    if not dry_run:
        console.print(f"\nNext: [bold]cd {directory}[/] and {_first_step(outcome.root)}")


def _first_step(root: Path) -> str:
    """What to do in a new project: add a resource, or check the ones it was made with."""
    from backend_agent.blueprint import load_blueprint

    if load_blueprint(root).blueprint.resources:
        return "[bold]backend-agent verify[/], then [bold]backend-agent dev[/] to run it"
    return "[bold]backend-agent add resource User name:str email:email:unique[/]"


@add_app.command("resource")
def add_resource(
    name: Annotated[str, typer.Argument(help="PascalCase resource name, e.g. User.")],
    fields: Annotated[
        list[str] | None,
        typer.Argument(help="Fields as name:type[:modifier...], e.g. title:str:max=200."),
    ] = None,
    store: Annotated[Store, typer.Option(help="Where the resource is stored.")] = Store.POSTGRES,
    ops: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated operations (default: create,read,list,update,delete; "
            "bulk adds POST /things/bulk)."
        ),
    ] = None,
    access: AccessOption = None,
    timestamps: Annotated[
        bool, typer.Option(help="Keep created_at and updated_at, set by the server.")
    ] = True,
    soft_delete: Annotated[
        bool, typer.Option(help="DELETE marks rows deleted; admins restore or purge them.")
    ] = False,
    transition: Annotated[
        list[str] | None,
        typer.Option(
            help="An allowed move of an enum field, field:source->target (repeatable), e.g. "
            "status:draft->published; the field starts in its default."
        ),
    ] = None,
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Add a resource: table/collection, schemas, service, routes, tests and migration.

    Field types: str, text, int, float, decimal, bool, date, datetime, uuid, email, url,
    enum(a|b), json, list[str], ref(Resource), many(Resource) (links; `:ids` puts the linked
    ids in answers). Modifiers: optional, unique, index, filter, sort, search, counter (an
    int only POST /things/{id}/<field> adds to), group (counted by GET
    /things/stats?group_by=<field>), min=N, max=N, default=VALUE. Example:
    age:int:min=0:max=150:optional:filter.
    """
    from backend_agent import operations

    operation_list = [op.strip() for op in ops.split(",") if op.strip()] if ops else None
    outcome = operations.add_resource(
        project,
        name,
        list(fields or []),
        store=store.value,
        ops=operation_list,
        access=access,
        timestamps=timestamps,
        soft_delete=soft_delete,
        transitions=transition,
        dry_run=dry_run,
        conflict_mode=conflicts,
    )
    _report(outcome)


@add_app.command("auth")
def add_auth(
    account: Annotated[
        str,
        typer.Option(help="The resource people register as (created with an email if missing)."),
    ] = "User",
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Add accounts: register, sign in for a token (JWT), access levels per operation and
    rate limits.

    Then give resources access levels: public, authenticated (the default), owner, admin,
    e.g. `change resource Order --access owner --access read=public`.
    """
    from backend_agent import operations

    _report(operations.add_auth(project, account=account, dry_run=dry_run, conflict_mode=conflicts))


@add_app.command("agent")
def add_agent(
    name: Annotated[str, typer.Argument(help="snake_case agent name, e.g. assistant.")],
    instructions: Annotated[
        str,
        typer.Option(
            "--instructions", "-i", help="What the agent is for and how to act; @FILE reads a file."
        ),
    ],
    tools: Annotated[
        list[str] | None,
        typer.Option(
            "--tool",
            "-t",
            help="RESOURCE.OPERATION the agent may call (read, list, create, update, stats); "
            "repeatable.",
        ),
    ] = None,
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Add an agent (OpenAI Agents SDK): its module, tools bound to services, run and stream
    routes with conversation memory in MongoDB, and offline tests.

    Example: add agent assistant -i @prompts/assistant.md -t User.read -t Preference.update
    """
    from backend_agent import operations

    outcome = operations.add_agent(
        project,
        name,
        instructions=_text_argument(instructions, "--instructions"),
        tools=list(tools or []),
        dry_run=dry_run,
        conflict_mode=conflicts,
    )
    _report(outcome)


def _text_argument(value: str, option: str) -> str:
    """The value itself, or the text of the file it names as `@path`."""
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise UsageError(f"{option} {value}: cannot read {path} ({reason})") from None


BackfillOption = Annotated[
    list[str] | None,
    typer.Option(
        "--backfill",
        help="FIELD=VALUE stored in existing rows for a new required field without a default.",
    ),
]


@add_app.command("field")
def add_field(
    resource: Annotated[str, typer.Argument(help="The resource, e.g. User.")],
    fields: Annotated[list[str], typer.Argument(help="Fields as name:type[:modifier...].")],
    backfill: BackfillOption = None,
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Add fields to a resource, with the migration that adds their columns."""
    from backend_agent import operations

    outcome = operations.add_field(
        project, resource, fields, backfill=backfill, dry_run=dry_run, conflict_mode=conflicts
    )
    _report(outcome)


@remove_app.command("field")
def remove_field(
    resource: Annotated[str, typer.Argument(help="The resource, e.g. User.")],
    name: Annotated[str, typer.Argument(help="The field to remove.")],
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Remove a field; the migration drops its column (downgrade brings it back empty)."""
    from backend_agent import operations

    _report(
        operations.remove_field(project, resource, name, dry_run=dry_run, conflict_mode=conflicts)
    )


@remove_app.command("resource")
def remove_resource(
    name: Annotated[str, typer.Argument(help="The resource to remove.")],
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Remove a resource, its generated files (unless edited) and, in a migration, its table."""
    from backend_agent import operations

    _report(operations.remove_resource(project, name, dry_run=dry_run, conflict_mode=conflicts))


@change_app.command("resource")
def change_resource(
    name: Annotated[str, typer.Argument(help="The resource to change.")],
    ops: Annotated[str | None, typer.Option(help="Comma-separated operations it exposes.")] = None,
    access: AccessOption = None,
    soft_delete: Annotated[
        bool | None,
        typer.Option(help="Turn soft delete on or off (migrates deleted_at and unique keys)."),
    ] = None,
    project: ProjectOption = Path(),
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Change which operations a resource exposes (--ops), who may call them (--access), or
    whether DELETE keeps rows (--soft-delete/--no-soft-delete)."""
    from backend_agent import operations

    if ops is None and not access and soft_delete is None:
        raise UsageError("say what to change: --ops, --access, --soft-delete")
    if ops is not None:
        operation_list = [op.strip() for op in ops.split(",") if op.strip()]
        _report(
            operations.change_operations(
                project, name, operation_list, dry_run=dry_run, conflict_mode=conflicts
            )
        )
    if access:
        _report(
            operations.change_access(
                project, name, access, dry_run=dry_run, conflict_mode=conflicts
            )
        )
    if soft_delete is not None:
        _report(
            operations.change_soft_delete(
                project, name, soft_delete, dry_run=dry_run, conflict_mode=conflicts
            )
        )


@app.command()
def apply(
    project: ProjectOption = Path(),
    backfill: Annotated[
        list[str] | None,
        typer.Option(
            "--backfill",
            help="Resource.field=VALUE stored in existing rows for a new required field.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    conflicts: ConflictsOption = "stop",
) -> None:
    """Bring the code in line with a hand-edited backend.toml; a second run changes nothing."""
    from backend_agent import operations

    _report(operations.apply(project, dry_run=dry_run, backfill=backfill, conflict_mode=conflicts))


@app.command("undo")
def undo_command(
    project: ProjectOption = Path(),
    force: Annotated[
        bool, typer.Option(help="Undo even over files you edited since that command.")
    ] = False,
) -> None:
    """Restore the project as it was before the last backend-agent command."""
    from backend_agent import operations

    command, paths = operations.undo(project, force=force)
    console.print(f"undid [bold]{command}[/]: restored {len(paths)} files")


@app.command("verify")
def verify_command(
    directory: Annotated[Path, typer.Argument(help="The project to verify.")] = Path(),
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Use this PostgreSQL database instead of a throwaway server.",
            envvar="BACKEND_AGENT_DATABASE_URL",
        ),
    ] = None,
    mongodb_url: Annotated[
        str | None,
        typer.Option(
            help="Use this MongoDB instead of a throwaway SecantusDB.",
            envvar="BACKEND_AGENT_MONGODB_URL",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run ruff, mypy --strict, the auditor, migrations and the tests on real databases."""
    from backend_agent.report import print_verification, verify_live
    from backend_agent.verify import verify

    result = verify_live(
        err_console,
        lambda steps: verify(
            directory, database_url=database_url, mongodb_url=mongodb_url, progress=steps
        ),
    )
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))  # noqa: T201 - machine output on stdout
    else:
        print_verification(console, result, title=f"verify {result.project}")
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def dev(
    directory: Annotated[Path, typer.Argument(help="The project to run.")] = Path(),
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="uvicorn worker processes; more than one turns reload off.",
        ),
    ] = 1,
) -> None:
    """Start local databases, apply migrations and run the app with reload; Ctrl-C stops all."""
    with ExitStack() as stack:
        environment = _start_databases(stack, directory, "dev")
        _run_app(directory, environment, port=port, reload=workers == 1, workers=workers)


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Argument(help="Where to generate the reference backend.")
    ] = Path("backend-agent-demo"),
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after verifying (for scripts and CI).")
    ] = False,
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
) -> None:
    """Generate the reference backend, verify it on local databases, then serve it."""
    from backend_agent import operations, reference
    from backend_agent.blueprint import BLUEPRINT_FILE
    from backend_agent.report import print_verification, verify_live
    from backend_agent.verify import verify

    if (directory / BLUEPRINT_FILE).is_file():
        console.print(f"using the project already in {directory}")
    else:
        operations.new_project(directory, blueprint=Path(str(reference.BLUEPRINT)))
        console.print(f"generated the reference backend in [bold]{directory}[/]")
    result = verify_live(err_console, lambda steps: verify(directory, progress=steps))
    print_verification(console, result, title=f"verify {result.project}")
    if not result.ok:
        raise typer.Exit(1)
    if no_serve:
        return
    with ExitStack() as stack:
        environment = _start_databases(stack, directory, "demo")
        _run_app(directory, environment, port=port, reload=False)


def _start_databases(stack: ExitStack, directory: Path, database: str) -> LocalEnvironment:
    """Start the databases (kept until `stack` closes), with a spinner on a terminal."""
    from backend_agent import serve

    with err_console.status("starting local databases and applying migrations"):
        return stack.enter_context(serve.local_databases(directory, database=database))


# Registered here so `--help` lists them after the generator's commands.
app.command("check")(audit_commands.check)
app.command("rule")(audit_commands.rule)
app.command()(ask)


def _run_app(
    directory: Path,
    environment: LocalEnvironment,
    *,
    port: int | None,
    reload: bool,
    workers: int = 1,
) -> None:
    from backend_agent import serve

    process, url = serve.serve(
        directory, environment, host="127.0.0.1", port=port, reload=reload, workers=workers
    )
    console.print(
        f"serving [bold]{url}[/]: API docs at {url}/docs, readiness at {url}/health/ready"
    )
    for name, value in environment.describe():
        console.print(f"  {name}={value}", highlight=False)
    console.print("Ctrl-C stops the app and the databases.")
    try:
        with serve.stopped_by_signals():
            code = serve.watch(process, environment.servers, say=err_console.print)
        err_console.print(f"the app exited with code {code}")
        raise typer.Exit(1 if code else 0)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        process.terminate()
        process.wait(timeout=15)


def _report(outcome: Outcome) -> None:
    """Print what an operation wrote, or the diff it would write in a dry run."""
    from backend_agent.report import print_diff

    if outcome.dry_run:
        for change in outcome.written:
            print_diff(console, change.diff())
        console.print(
            f"dry run: {len(outcome.written)} files would change; nothing written", highlight=False
        )
        return
    for change in outcome.written:
        console.print(f"  [green]{change.action.value:>8}[/] {change.path}", highlight=False)
    kept = [change.path for change in outcome.changes if change.action.value == "keep-deleted"]
    for path in kept:
        console.print(f"  [yellow]{'kept deleted':>8}[/] {path}", highlight=False)
    if outcome.migration is not None:
        console.print(
            f"migration: {outcome.migration.path} ({outcome.migration.message})", highlight=False
        )
    if outcome.conflicted:
        err_console.print(
            "conflict markers left in: "
            + ", ".join(outcome.conflicted)
            + "; resolve them, then run `backend-agent verify`",
            highlight=False,
        )
        raise typer.Exit(1)


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except BackendAgentError as error:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)


__all__ = ["UsageError", "app", "main"]
