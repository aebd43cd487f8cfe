"""Scripted model sessions (`bench/ask_leverage.py` replays the same ones).

Each is the list of model steps a capable model would produce for one request; the SDK
runs them for real, so tools, validation and the session loop are all exercised.
"""

from __future__ import annotations

from typing import Any

from agents.testing import assistant_message, function_call

USERS_REQUEST = "Create a FastAPI route for creating users in PostgreSQL with validation"
USER_FIELDS = ["name:str:min=1:max=100", "email:email:unique"]


def users_session() -> list[Any]:
    """Describe the project, add the User resource with create/read/list, finish."""
    return [
        [function_call("describe_project", {}, call_id="describe")],
        [
            function_call(
                "add_resource",
                {
                    "name": "User",
                    "fields": USER_FIELDS,
                    "ops": ["create", "read", "list"],
                    "store": "postgres",
                },
                call_id="add_user",
            )
        ],
        [
            assistant_message(
                "Added the User resource: POST /users validates name (1-100 characters) and "
                "email (a valid, unique address), with read and list routes, a migration and "
                "tests."
            )
        ],
    ]


PREFERENCES_REQUEST = "Add MongoDB integration for storing user preferences"
PREFERENCE_FIELDS = [
    "user:ref(User):unique",
    "theme:enum(light|dark|system):default=system",
    "language:str:min=2:max=16:default=en",
    "notifications:bool:default=true",
    "settings:json:optional",
]


def preferences_session() -> list[Any]:
    """On a project with users: describe it, add preference documents in MongoDB, finish."""
    return [
        [function_call("describe_project", {}, call_id="describe")],
        [
            function_call(
                "add_resource",
                {"name": "Preference", "fields": PREFERENCE_FIELDS, "ops": None, "store": "mongo"},
                call_id="add_preference",
            )
        ],
        [
            assistant_message(
                "Added Preference documents in MongoDB: one per user (checked against "
                "PostgreSQL, deleted with the user), theme, language, notifications and a "
                "bounded free-form settings object, with indexes, CRUD routes and tests."
            )
        ],
    ]
