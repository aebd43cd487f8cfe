"""Layer violation: a module imports from a layer above its own.

What it finds:
    An import in a file of one layer (by its directory: `api/`, `services/`, `models/`,
    `db/`, `core/`) that brings in a project module of a higher layer, following
    `layer-order` (default `api > services > models | db > core`). Relative imports count.

Why it matters:
    Layers let a reader and a test take one part alone: services run without HTTP,
    models without services. An upward import ties the lower layer to everything above
    it, invites import cycles, and drags FastAPI into code that should not know it.

Example:
    # app/services/users.py
    from app.api.deps import SessionDep

Use instead:
    # app/services/users.py
    from sqlmodel.ext.asyncio.session import AsyncSession

    async def create_user(session: AsyncSession, data: UserCreate) -> User: ...

Fix safety:
    No automatic fix: moving code between layers is a design decision.

Known limits:
    Layers come from directory and module names (configurable in
    `[tool.backend-agent.layers]`); files outside every layer (main.py, tests) may import
    anything. Imports through `importlib` are not seen.
"""

from __future__ import annotations

from collections.abc import Iterator

from backend_agent.audit.parsed_module import ParsedModule, Violation


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report imports of higher layers."""
    layer = module.layer
    if layer is None:
        return
    rank = module.config.layer_rank(layer)
    if rank < 0:
        return
    for node, names in module.import_nodes:
        for name in names:
            if not module.codebase.is_local(name):
                continue
            found = module.codebase.module_of(name)
            if found is not None and _same_layer_folder(module, found):
                continue
            target = found.layer if found is not None else module.config_layer(name.split("."))
            if target is None or target == layer:
                continue
            target_rank = module.config.layer_rank(target)
            if 0 <= target_rank < rank:
                yield module.violation(
                    node,
                    f"`{layer}` module imports `{name}` from the `{target}` layer above it",
                    f"Move what `{layer}` needs down into its own layer or one below it",
                )
                break


def _same_layer_folder(module: ParsedModule, other: ParsedModule) -> bool:
    """Two modules of one folder named after a layer (`service/models.py`, `service/enums.py`)."""
    folder = module.name.rsplit(".", 1)[0]
    return (
        other.name.rsplit(".", 1)[0] == folder
        and module.config_layer(folder.split(".")[-1:]) is not None
    )
