"""What the templates of one agent need: its tools as service calls, names and schema choices."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from backend_agent.blueprint import Blueprint, FieldType, Resource
from backend_agent.blueprint.access import Access
from backend_agent.blueprint.agents import AgentSpec
from backend_agent.blueprint.names import pascal_case
from backend_agent.plan.context import ResourceContext
from backend_agent.plan.queries import FilteredField

# The service function each tool operation calls, and what the tool says it does.
_SERVICE_PREFIX = {
    "read": "get",
    "list": "list",
    "create": "create",
    "update": "update",
    "stats": "count",
}
_SUMMARY = {
    "read": "Look up one {name} by its id.",
    "list": "List {plural}, oldest first, a page at a time.",
    "query": (
        "List {plural}, filtered and ordered as `query` says (oldest first without one),\n"
        "    a page at a time: the next page is `query.cursor` = the answer's `next_cursor`."
    ),
    "create": "Create a {name} and return it as stored.",
    "update": "Change some fields of one {name}; fields left out keep their value.",
    "stats": "Count {plural} by the values of one field: how many hold each value.",
}


@dataclass(frozen=True)
class AgentTool:
    """One `@function_tool`: a service function of a resource, exposed to the model."""

    resource: ResourceContext
    operation: str

    @property
    def r(self) -> Resource:
        return self.resource.r

    @property
    def function(self) -> str:
        """The tool's name as the model sees it, e.g. `get_user`, `list_users`."""
        noun = self.r.plural if self.operation in ("list", "stats") else self.r.snake
        return f"{_SERVICE_PREFIX[self.operation]}_{noun}"

    @property
    def service_call(self) -> str:
        """`users.get_user`: the service function the tool awaits."""
        return f"{self.r.plural}.{self.function}"

    @property
    def handles(self) -> list[str]:
        """The run-context attributes the service takes first (`session`, `database`)."""
        return [name for name, _alias in self.resource.deps(self.operation)]

    @property
    def admin_only(self) -> bool:
        """Only an administrator's run may use it, as only administrators may call the route."""
        return self.resource.level(self.operation) is Access.ADMIN

    @property
    def owner_argument(self) -> str | None:
        """The service's `owner`, from the run's caller, as the route passes it."""
        argument = self.resource.owner_argument(self.operation)
        return argument.replace("caller", "deps.caller") if argument is not None else None

    @property
    def by_query(self) -> bool:
        """A list that takes the route's filters, sort and cursor (its `ListQuery` model) and
        answers a page with `next_cursor`, as GET does."""
        return self.operation == "list" and self.resource.lists_by_query

    @property
    def summary(self) -> str:
        kind = "query" if self.by_query else self.operation
        return _SUMMARY[kind].format(name=self.r.name, plural=self.r.plural)

    @property
    def cursor_types(self) -> str:
        """The name the agent module imports the resource's `CURSOR_TYPES` as (one per
        resource, so two listed resources do not clash)."""
        return f"{self.r.snake.upper()}_CURSOR_TYPES"

    @property
    def query_example(self) -> str:
        """A `query` argument the tests send (Python expression reading the created row
        `first`): a filter that keeps `first`, newest first (else by the last key a cursor
        pages by, descending)."""
        sorts = self.resource.query.cursor_sorts
        sort = "-created_at" if "-created_at" in sorts else sorts[-1]
        filtered = next(
            (found for found in self.resource.query.filtered if not found.field.spec.optional),
            None,
        )
        items = [f'"sort": "{sort}"'] + (_filter_items(filtered) if filtered else [])
        return "{" + ", ".join(items) + "}"

    @property
    def id_name(self) -> str:
        return f"{self.r.snake}_id"

    @property
    def unknown_id(self) -> str:
        """A Python literal of an id of the right shape that names nothing."""
        unknown = self.resource.unknown_id
        return repr(unknown) if self.resource.is_mongo else unknown

    @property
    def strict(self) -> bool:
        """Strict schemas make the model send every field, and allow no free-form objects:
        off for partial updates and for inputs with JSON fields."""
        if self.operation == "update":
            return False
        if self.operation == "create":
            return not any(field.type is FieldType.JSON for field in self.r.fields)
        return True

    @property
    def schema_imports(self) -> list[str]:
        """The schemas of the resource's model module the tool's signature names."""
        names: list[str] = []
        if self.by_query:
            names += [
                f"{self.r.name}Read",
                f"CURSOR_TYPES as {self.cursor_types}",
                f"{self.r.name}ListQuery",
            ]
        if self.operation == "create":
            names.append(f"{self.r.name}Create")
        if self.operation == "update":
            names.append(f"{self.r.name}Update")
        if self.operation == "stats":
            names += [f"{self.r.name}GroupBy", f"{self.r.name}Stats"]
        return names


@dataclass(frozen=True)
class AgentContext:
    """An agent and everything its module, routes and tests place."""

    agent: AgentSpec
    blueprint: Blueprint

    @property
    def name(self) -> str:
        return self.agent.name

    @property
    def path(self) -> str:
        """The URL segment, hyphenated like resource paths: `/agents/support-bot`."""
        return self.agent.name.replace("_", "-")

    @property
    def dep_alias(self) -> str:
        """The routes' dependency alias that loads the agent: `SupportBotAgentDep`."""
        return f"{pascal_case(self.agent.name)}AgentDep"

    @cached_property
    def tools(self) -> list[AgentTool]:
        found = []
        for resource_name, operation in self.agent.pairs():
            resource = self.blueprint.resource(resource_name)
            if resource is not None:
                found.append(AgentTool(ResourceContext(resource, self.blueprint), operation))
        return found

    @property
    def instruction_lines(self) -> list[str]:
        """The instructions as Python string literals, one per line, joined in a tuple."""
        lines = self.agent.instructions.split("\n")
        return [repr(line + "\n") for line in lines[:-1]] + [repr(lines[-1])]

    @property
    def model_imports(self) -> dict[str, list[str]]:
        """Model module -> schema names, for the agent module's imports."""
        imports: dict[str, list[str]] = {}
        for tool in self.tools:
            names = imports.setdefault(tool.r.snake, [])
            names += [name for name in tool.schema_imports if name not in names]
        return {module: names for module, names in imports.items() if names}

    @property
    def pages_by_cursor(self) -> bool:
        """Whether a tool answers pages with `next_cursor` (`KeysetPage`)."""
        return any(tool.by_query for tool in self.tools)

    @property
    def services(self) -> list[str]:
        return sorted({tool.r.plural for tool in self.tools})

    @property
    def looping_tool(self) -> AgentTool | None:
        """A tool the tests can call with valid arguments, to make a run take another turn."""
        return next((tool for tool in self.tools if tool.operation in ("read", "list")), None)


def _filter_items(filtered: FilteredField) -> list[str]:
    """Dict items of a filter that keeps the row `first`: one of its values, a range that
    holds only its value, or the start of its text. Decimals travel as text, as in a query
    string (a JSON number would reach Python as an inexact float)."""
    field, names = filtered.field, filtered.names
    value = f'first["{field.name}"]'
    if field.spec.type is FieldType.DECIMAL:
        value = f"str({value})"
    if "equal" in names:
        one_of = value if field.spec.type is FieldType.BOOL else f"[{value}]"
        return [f'"{names["equal"]}": {one_of}']
    if "min" in names:
        return [f'"{names["min"]}": {value}', f'"{names["max"]}": {value}']
    return [f'"{names["prefix"]}": {value}[:3]']
