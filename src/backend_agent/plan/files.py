"""Blueprint -> the full set of generated files (path -> text). Pure: reads only templates."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from backend_agent.blueprint import Blueprint, Operation
from backend_agent.plan.agents import AgentContext
from backend_agent.plan.context import ResourceContext
from backend_agent.plan.router import register_routers
from backend_agent.render import render

PROJECT_TEMPLATES = "project"
JINJA_SUFFIX = ".jinja"
MONGO_ONLY = frozenset({"app/db/mongo.py.jinja"})
AGENTS_ONLY = frozenset(
    {
        "app/agents/__init__.py",
        "app/api/routes/agents.py.jinja",
        "app/models/agents.py",
        "app/services/agents.py.jinja",
    }
)
AUTH_ONLY = frozenset(
    {
        "app/api/routes/auth.py.jinja",
        "app/api/security.py.jinja",
        "app/core/passwords.py",
        "app/core/rate_limits.py",
        "app/core/tokens.py",
        "app/models/auth.py.jinja",
        "app/services/access.py",
        "app/services/auth.py.jinja",
        "tests/test_auth.py.jinja",
    }
)
QUERIES_ONLY = frozenset({"app/models/queries.py"})
BULK_ONLY = frozenset({"app/services/bulk.py"})
TABLE_QUERIES_ONLY = frozenset({"app/db/filters.py"})
TRANSITIONS_ONLY = frozenset({"app/services/transitions.py"})
UNIT_OF_WORK_TEST = "tests/test_unit_of_work.py.jinja"
AGENTS_ROUTES = "agents"
AUTH_ROUTES = "auth"


def project_files(blueprint: Blueprint) -> dict[str, str]:
    """Every file the blueprint generates, except migrations (history: see plan.migrations)."""
    contexts = [ResourceContext(resource, blueprint) for resource in blueprint.resources]
    agents = [AgentContext(agent, blueprint) for agent in blueprint.agents]
    account = next((context for context in contexts if context.is_account), None)
    common = {
        "project": blueprint.project,
        "blueprint": blueprint,
        "resources": contexts,
        "agents": agents,
        "auth": account is not None,
        "account": account,
        "mongo": blueprint.needs_mongo,
        "bulk": any(context.r.has(Operation.BULK) for context in contexts),
        "unit_of_work": _unit_of_work_example(contexts),
        "direct": [context for context in contexts if not context.r.has(Operation.CREATE)],
    }
    generated: dict[str, str] = {}
    root = files("backend_agent").joinpath("templates", PROJECT_TEMPLATES)
    for relative, template in _walk(root, ""):
        if relative in MONGO_ONLY and not common["mongo"]:
            continue
        if relative in AGENTS_ONLY and not agents:
            continue
        if relative in AUTH_ONLY and account is None:
            continue
        if relative in BULK_ONLY and not common["bulk"]:
            continue
        if relative in QUERIES_ONLY and not any(c.lists_by_query for c in contexts):
            continue
        if relative in TABLE_QUERIES_ONLY and not any(
            c.lists_by_query and not c.is_mongo for c in contexts
        ):
            continue
        if relative in TRANSITIONS_ONLY and not any(c.states for c in contexts):
            continue
        if relative == UNIT_OF_WORK_TEST and common["unit_of_work"] is None:
            continue
        if relative.endswith(JINJA_SUFFIX):
            target = relative.removesuffix(JINJA_SUFFIX)
            generated[target] = render(f"{PROJECT_TEMPLATES}/{relative}", **common)
        else:
            generated[relative] = template.read_text(encoding="utf-8")
    for context in contexts:
        generated.update(resource_files(context))
    for agent in agents:
        generated.update(agent_files(agent, auth=account is not None))
    generated["app/api/router.py"] = register_routers(
        generated["app/api/router.py"], router_modules(blueprint)
    )
    return generated


def _unit_of_work_example(contexts: list[ResourceContext]) -> ResourceContext | None:
    """A PostgreSQL resource the unit-of-work test can create and list, if there is one."""
    return next(
        (
            context
            for context in contexts
            if not context.is_mongo
            and context.r.has(Operation.CREATE)
            and context.r.has(Operation.LIST)
            and context.python_fields
        ),
        None,
    )


def router_modules(blueprint: Blueprint) -> list[str]:
    """The modules of `app/api/routes/` registered in the API router, health aside."""
    modules = [resource.plural for resource in blueprint.resources]
    modules += [AUTH_ROUTES] if blueprint.auth is not None else []
    return [*modules, AGENTS_ROUTES] if blueprint.agents else modules


def agent_files(context: AgentContext, *, auth: bool) -> dict[str, str]:
    """The module and tests of one agent (routes and service are shared by all agents)."""
    return {
        f"app/agents/{context.name}.py": render("agent/agent.py.jinja", a=context, auth=auth),
        f"tests/test_agent_{context.name}.py": render("agent/test.py.jinja", a=context, auth=auth),
    }


def resource_files(context: ResourceContext) -> dict[str, str]:
    """The model, service, routes and tests of one resource."""
    resource = context.r
    folder = f"resource/{resource.store.value}"
    values = {
        "r": resource,
        "ctx": context,
        "auth": context.auth,
        "table": context.table,
        "path": context.path,
        "fields": context.python_fields,
        "refs": context.refs,
        "imports": context.model_imports,
        "required": context.required,
        "required_refs": context.required_refs,
        "uniques": context.uniques,
        "invalid": context.invalid,
        "update_field": context.update_field,
        "referrers": context.referrers,
    }
    generated = {
        f"app/models/{resource.snake}.py": render(f"{folder}/model.py.jinja", **values),
        f"app/services/{resource.plural}.py": render(f"{folder}/service.py.jinja", **values),
        f"app/api/routes/{resource.plural}.py": render("resource/routes.py.jinja", **values),
        f"tests/test_{resource.plural}.py": render("resource/test.py.jinja", **values),
    }
    if context.lists_by_query:
        tests = render("resource/test_queries.py.jinja", **values)
        generated[f"tests/test_{resource.plural}_queries.py"] = tests
    if context.links:
        tests = render("resource/test_links.py.jinja", **values)
        generated[f"tests/test_{resource.plural}_links.py"] = tests
    if context.has_actions:
        tests = render("resource/test_actions.py.jinja", **values)
        generated[f"tests/test_{resource.plural}_actions.py"] = tests
    return generated


def _walk(folder: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _walk(entry, f"{relative}/")
        else:
            found.append((relative, entry))
    return found
