"""Where a resource lives: the one definition the blueprint and the command line share
(kept free of imports, so the command line starts fast)."""

from enum import StrEnum


class Store(StrEnum):
    """Where a resource lives."""

    POSTGRES = "postgres"
    MONGO = "mongo"
