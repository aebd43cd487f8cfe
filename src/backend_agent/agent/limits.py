"""The bounds of one `ask` run, kept apart so the CLI can show them without importing the SDK."""

DEFAULT_MAX_TURNS = 40
"""Model calls per run; each tool round trip is one. Generous for a few operations and edits."""

DEFAULT_TIMEOUT_SECONDS = 900.0
"""Wall-clock limit of a run, verification included (a verify takes seconds to a minute)."""

DEFAULT_CALL_TIMEOUT_SECONDS = 30.0
"""How long one model call may stay silent; it is retried once, then the run stops."""

MAX_VERIFY_ROUNDS = 3
"""How often a failed final verification is handed back to the model before giving up."""
