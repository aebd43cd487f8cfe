"""Blueprint -> the full set of generated files (path -> text). Pure: reads only templates."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from backend_agent.blueprint import Blueprint, Store
from backend_agent.plan.context import ResourceContext
from backend_agent.plan.router import register_routers
from backend_agent.render import render

PROJECT_TEMPLATES = "project"
JINJA_SUFFIX = ".jinja"
MONGO_ONLY = frozenset({"app/db/mongo.py.jinja"})


def project_files(blueprint: Blueprint) -> dict[str, str]:
    """Every file the blueprint generates, except migrations (history: see plan.migrations)."""
    contexts = [ResourceContext(resource, blueprint) for resource in blueprint.resources]
    common = {
        "project": blueprint.project,
        "blueprint": blueprint,
        "resources": contexts,
        "mongo": blueprint.has_store(Store.MONGO),
    }
    generated: dict[str, str] = {}
    root = files("backend_agent").joinpath("templates", PROJECT_TEMPLATES)
    for relative, template in _walk(root, ""):
        if relative in MONGO_ONLY and not common["mongo"]:
            continue
        if relative.endswith(JINJA_SUFFIX):
            target = relative.removesuffix(JINJA_SUFFIX)
            generated[target] = render(f"{PROJECT_TEMPLATES}/{relative}", **common)
        else:
            generated[relative] = template.read_text(encoding="utf-8")
    for context in contexts:
        generated.update(resource_files(context))
    generated["app/api/router.py"] = register_routers(
        generated["app/api/router.py"], [context.r.plural for context in contexts]
    )
    return generated


def resource_files(context: ResourceContext) -> dict[str, str]:
    """The model, service, routes and tests of one resource."""
    resource = context.r
    folder = f"resource/{resource.store.value}"
    values = {
        "r": resource,
        "ctx": context,
        "table": context.table,
        "path": context.path,
        "fields": context.python_fields,
        "refs": context.refs,
        "imports": context.model_imports,
        "required": context.required,
        "uniques": context.uniques,
        "invalid": context.invalid,
        "update_field": context.update_field,
        "referrers": context.referrers,
    }
    return {
        f"app/models/{resource.snake}.py": render(f"{folder}/model.py.jinja", **values),
        f"app/services/{resource.plural}.py": render(f"{folder}/service.py.jinja", **values),
        f"app/api/routes/{resource.plural}.py": render("resource/routes.py.jinja", **values),
        f"tests/test_{resource.plural}.py": render("resource/test.py.jinja", **values),
    }


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
