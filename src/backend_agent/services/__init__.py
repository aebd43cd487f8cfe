"""Throwaway local database servers for `verify`, `dev`, `demo` and tests.

`local_postgres()` and `local_mongo()` start a private PostgreSQL cluster and a
SecantusDB server on free ports (or hand back the user's servers given by URL), and a
watchdog process makes sure neither outlives this process, even when it is SIGKILLed.
"""

from backend_agent.services.mongo import LocalMongo, local_mongo
from backend_agent.services.postgres import LocalPostgres, local_postgres

__all__ = ["LocalMongo", "LocalPostgres", "local_mongo", "local_postgres"]
