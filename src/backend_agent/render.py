"""The template environment: Jinja2 over the templates shipped in this package."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from backend_agent.blueprint.names import plural, snake_case


@cache
def environment() -> Environment:
    """One environment per process: templates compile once."""
    env = Environment(
        loader=PackageLoader("backend_agent", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - we render Python and TOML, never HTML
    )
    env.filters["snake"] = snake_case
    env.filters["plural"] = plural
    env.filters["pyrepr"] = repr
    return env


def render(template: str, **context: object) -> str:
    """Render one template by its path under `templates/`."""
    return environment().get_template(template).render(**context)
