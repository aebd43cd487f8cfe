"""Drive a drawn blueprint through `new --from` and the real `verify`, and shrink failures.

Shared by the blueprint fuzzer in the suite and `bench/fuzz_blueprints.py`.
"""

from __future__ import annotations

import copy
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from backend_agent import operations
from backend_agent.errors import BackendAgentError
from backend_agent.services import LocalMongo, LocalPostgres
from backend_agent.verify import verify
from tests.strategies import DrawnBlueprint


@dataclass
class Servers:
    """The databases every drawn project is verified on (started once)."""

    postgres: LocalPostgres
    mongo: LocalMongo


@dataclass
class Verdict:
    ok: bool
    failed_step: str
    """The first failing step (`new` when generation itself failed), or ''."""
    output: str


def check(drawn: DrawnBlueprint, servers: Servers, *, name: str) -> Verdict:
    """Generate the drawn blueprint as project `name` and verify it on `servers`."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
        source = Path(folder) / "backend.toml"
        source.write_text(drawn.toml(name), encoding="utf-8")
        root = Path(folder) / name
        try:
            operations.new_project(root, blueprint=source)
        except BackendAgentError as error:
            return Verdict(False, "new", str(error))
        result = verify(
            root,
            database_url=servers.postgres.create_database(name),
            mongodb_url=servers.mongo.url(),
        )
        _forget_project_modules(root)
        failed = [step for step in result.steps if not step.ok]
        if not failed:
            return Verdict(True, "", "")
        return Verdict(False, failed[0].name, f"{failed[0].summary}\n{failed[0].output}")


def _forget_project_modules(root: Path) -> None:
    """Drop the project's own modules from the shared mypy cache (MYPY_CACHE_DIR), keeping
    the libraries'. Every drawn project has an `app` package: mypy 2.4 reusing one project's
    entries for the next crashed or saw another project's attributes (2 in 200 blueprints)."""
    cache = os.environ.get("MYPY_CACHE_DIR")
    if not cache:
        return
    tops = [path.stem for path in root.iterdir() if path.suffix in ("", ".py")]
    for database in Path(cache).glob("*/cache.*.db"):
        with closing(sqlite3.connect(database)) as connection, connection:
            for top in tops:
                connection.execute(
                    "DELETE FROM files2 WHERE path LIKE ? OR path LIKE ?", (f"{top}/%", f"{top}.%")
                )


def smaller(drawn: DrawnBlueprint) -> Iterator[DrawnBlueprint]:
    """Blueprints one piece smaller than `drawn` that are still valid: an agent, a tool,
    a resource (with the refs and tools that name it) or a field fewer."""
    for name in drawn.agents:
        yield replace(drawn, agents={k: v for k, v in drawn.agents.items() if k != name})
        tools = drawn.agents[name]
        for tool in tools if len(tools) > 1 else []:
            yield replace(drawn, agents={**drawn.agents, name: [t for t in tools if t != tool]})
    for resource in drawn.resources:
        if len(drawn.resources) > 1:
            yield _without_resource(drawn, resource.name)
        for spec in resource.fields:
            reduced = copy.deepcopy(drawn)
            target = next(r for r in reduced.resources if r.name == resource.name)
            target.fields.remove(spec)
            yield reduced


def _without_resource(drawn: DrawnBlueprint, name: str) -> DrawnBlueprint:
    reduced = copy.deepcopy(drawn)
    reduced.resources = [r for r in reduced.resources if r.name != name]
    for resource in reduced.resources:
        resource.fields = [spec for spec in resource.fields if f"ref({name})" not in spec]
    agents = {
        agent: [tool for tool in tools if not tool.startswith(f"{name}.")]
        for agent, tools in reduced.agents.items()
    }
    reduced.agents = {agent: tools for agent, tools in agents.items() if tools}
    if name == reduced.account:  # no accounts: every operation is public, nothing is owned
        reduced.account = None
        for resource in reduced.resources:
            resource.access = {}
    return reduced


def shrink(
    drawn: DrawnBlueprint, still_fails: Callable[[DrawnBlueprint], bool], *, budget: int = 30
) -> DrawnBlueprint:
    """Greedily drop pieces while the blueprint still fails the same way (at most `budget`
    tries: each is a whole verify)."""
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for candidate in smaller(drawn):
            tries += 1
            if still_fails(candidate):
                drawn, progress = candidate, True
                break
            if tries >= budget:
                break
    return drawn
