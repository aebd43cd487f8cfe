"""Domain errors: what services raise. Only the API layer turns them into HTTP responses."""


class DomainError(Exception):
    """A failure the client can act on; `field` names the input it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    """The thing asked for does not exist."""


class ConflictError(DomainError):
    """The change clashes with stored data: a unique value taken, a row still referenced."""


class InvalidReferenceError(DomainError):
    """The input points at something that does not exist (409: the request is well-formed,
    the stored data lacks what it names)."""


class UnavailableError(DomainError):
    """A backing service (a database) cannot be reached right now; retrying later may work."""


class NotConfiguredError(UnavailableError):
    """A feature needs a setting that is missing; the message names it."""


class UpstreamError(DomainError):
    """A service this one calls (a model provider) failed or answered nonsense."""


class UpstreamTimeoutError(DomainError):
    """A service this one calls took longer than the time allowed."""


class RefusedError(DomainError):
    """A policy (an agent's guardrail) refused the input or the output; the message says why."""


class LimitExceededError(DomainError):
    """The work needed more than a configured limit allows (an agent's turns)."""


class NotAuthenticatedError(DomainError):
    """The request carries no valid credentials: no token, a forged, expired or foreign one,
    or a wrong email or password."""


class ForbiddenError(DomainError):
    """The caller is known, and may not do this."""


class RateLimitedError(DomainError):
    """Too many requests of one kind from one client or account in a window."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds until the next request is allowed."""
