"""How a `many` field becomes code: its link table (PostgreSQL) or array of ids (MongoDB),
its routes and its service functions, named once here for every template."""

from __future__ import annotations

from dataclasses import dataclass

from backend_agent.blueprint import FieldSpec, Resource, Store
from backend_agent.blueprint.model import link_table
from backend_agent.blueprint.names import pascal_case


@dataclass(frozen=True)
class Link:
    """One `many` field: `Product.tags` linking products to tags."""

    spec: FieldSpec
    owner: Resource
    """The resource that declares the field; its routes change the links."""
    target: Resource
    """The resource linked to."""

    @property
    def name(self) -> str:
        """`tags`: the route segment, the query parameter and (MongoDB) the array's field."""
        return self.spec.name

    @property
    def ids(self) -> bool:
        """Whether Read answers carry the linked ids (`:ids`)."""
        return self.spec.ids

    @property
    def path(self) -> str:
        return self.name.replace("_", "-")

    @property
    def table(self) -> str:
        """`product_tags`: the table of the links (PostgreSQL)."""
        return link_table(self.owner, self.spec)

    @property
    def model(self) -> str:
        """`ProductTagsLink`: the SQLModel table class of the links."""
        return f"{self.owner.name}{pascal_case(self.name)}Link"

    @property
    def owner_column(self) -> str:
        return f"{self.owner.snake}_id"

    @property
    def target_column(self) -> str:
        return f"{self.target.snake}_id"

    @property
    def id_type(self) -> str:
        """How a path carries an id of the target: ObjectId hex, or an integer."""
        return "str" if self.target.store is Store.MONGO else "Id"

    @property
    def unknown_id(self) -> str:
        return "0123456789abcdef01234567" if self.target.store is Store.MONGO else "999999"
