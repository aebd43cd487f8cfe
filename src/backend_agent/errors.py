"""The package's exceptions: one base class, typed subclasses, each a one-line message.

The CLI turns a `BackendAgentError` into its message and an exit code; anything else
is a bug and shows a traceback.
"""


class BackendAgentError(Exception):
    """Base of every error backend-agent reports to its user."""

    exit_code = 1


class UsageError(BackendAgentError):
    """The command line or its arguments are wrong (exit code 2)."""

    exit_code = 2


class BlueprintError(BackendAgentError):
    """`backend.toml` or a field/resource spec is invalid; the message says what to write."""


class ProjectError(BackendAgentError):
    """The target is not a backend-agent project, or its files are not as expected."""


class ServiceError(BackendAgentError):
    """A local database server could not be started, reached or stopped."""


class ProjectBusyError(ProjectError):
    """Another backend-agent command is changing the same project right now."""


class ModelServerError(BackendAgentError):
    """The model server failed or answered something that is not a model response."""
