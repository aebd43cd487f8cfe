"""The blueprint: the typed, human-editable description of a backend (backend.toml)."""

from backend_agent.blueprint.document import (
    BLUEPRINT_FILE,
    BlueprintDocument,
    load_blueprint,
    new_document,
    parse_blueprint,
)
from backend_agent.blueprint.fields import FieldSpec, FieldType, parse_field
from backend_agent.blueprint.model import (
    ALL_OPERATIONS,
    Blueprint,
    Operation,
    Project,
    Resource,
)
from backend_agent.stores import Store

__all__ = [
    "ALL_OPERATIONS",
    "BLUEPRINT_FILE",
    "Blueprint",
    "BlueprintDocument",
    "FieldSpec",
    "FieldType",
    "Operation",
    "Project",
    "Resource",
    "Store",
    "load_blueprint",
    "new_document",
    "parse_blueprint",
    "parse_field",
]
