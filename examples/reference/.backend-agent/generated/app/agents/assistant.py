"""The assistant agent: its instructions and the tools it acts through.

Tools call the services, so the agent follows the same business rules as the API; the
request's database handles reach them through the run context, never through globals.
They act as the account that runs the agent, under the access rules of the routes: a tool
sees and changes only what that account may.

They answer JSON text: the SDK would hand any other value to the model as its Python repr.
"""

from agents import Agent, RunContextWrapper, function_tool
from pydantic_core import to_json

from app.core.errors import DomainError
from app.models.preference import PreferenceUpdate
from app.models.types import INT_MAX, Id
from app.services import preferences, users
from app.services.access import owner_scope
from app.services.agents import AgentDeps

INSTRUCTIONS = (
    "You are the assistant of this app's users: you answer questions about the signed-in user's account and preferences, and change their preferences when asked.\n"
    "list_users returns the signed-in user's own account (an administrator sees every account); get_user looks one up by id. The user's preferences are what list_preferences returns.\n"
    "Change only what you were asked to change, with update_preference, then say what you changed. If something is not found, say so plainly; never invent data."
)


@function_tool
async def get_user(ctx: RunContextWrapper[AgentDeps], user_id: Id) -> str:
    """Look up one User by its id.

    Args:
        user_id: The id of the User.
    """
    deps = ctx.context
    try:
        async with deps.lock:
            found = await users.get_user(deps.session, user_id, owner=owner_scope(deps.caller))
    except DomainError as error:
        return error.message
    return to_json(found).decode()


@function_tool
async def list_users(
    ctx: RunContextWrapper[AgentDeps],
    offset: int = 0,
    limit: int = 20,
) -> str:
    """List users, oldest first, a page at a time.

    Args:
        offset: How many to skip, for the next page.
        limit: How many to return, at most 50.
    """
    deps = ctx.context
    async with deps.lock:
        found = await users.list_users(
            deps.session,
            offset=min(max(offset, 0), INT_MAX),
            limit=min(max(limit, 1), 50),
            owner=owner_scope(deps.caller),
        )
    return to_json(found).decode()


@function_tool
async def list_preferences(
    ctx: RunContextWrapper[AgentDeps],
    offset: int = 0,
    limit: int = 20,
) -> str:
    """List preferences, oldest first, a page at a time.

    Args:
        offset: How many to skip, for the next page.
        limit: How many to return, at most 50.
    """
    deps = ctx.context
    async with deps.lock:
        found = await preferences.list_preferences(
            deps.database,
            offset=min(max(offset, 0), INT_MAX),
            limit=min(max(limit, 1), 50),
            owner=owner_scope(deps.caller),
        )
    return to_json(found).decode()


@function_tool
async def get_preference(ctx: RunContextWrapper[AgentDeps], preference_id: str) -> str:
    """Look up one Preference by its id.

    Args:
        preference_id: The id of the Preference.
    """
    deps = ctx.context
    try:
        async with deps.lock:
            found = await preferences.get_preference(
                deps.database, preference_id, owner=owner_scope(deps.caller)
            )
    except DomainError as error:
        return error.message
    return to_json(found).decode()


@function_tool(strict_mode=False)
async def update_preference(
    ctx: RunContextWrapper[AgentDeps], preference_id: str, changes: PreferenceUpdate
) -> str:
    """Change some fields of one Preference; fields left out keep their value.

    Args:
        preference_id: The id of the Preference to change.
        changes: Only the fields to change.
    """
    deps = ctx.context
    try:
        async with deps.lock:
            updated = await preferences.update_preference(
                deps.database, preference_id, changes, owner=owner_scope(deps.caller)
            )
    except DomainError as error:
        return error.message
    return to_json(updated).decode()


agent = Agent[AgentDeps](
    name="assistant",
    instructions=INSTRUCTIONS,
    tools=[get_user, list_users, list_preferences, get_preference, update_preference],
)
"""Run by `app.services.agents` on the model the request gets (settings, or a test's)."""
