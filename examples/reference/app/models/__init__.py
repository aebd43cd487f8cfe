"""Tables and API schemas.

Constraint names follow one convention, so migrations are reproducible and a violated
constraint tells which field it guards (`uq_users_email` -> `email`).
"""

import importlib
import pkgutil

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def load_all() -> None:
    """Import every model module, so `SQLModel.metadata` knows all tables (for migrations)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
