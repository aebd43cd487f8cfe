"""backend-agent: generates, evolves and audits FastAPI + SQLModel/PostgreSQL + MongoDB backends."""

from importlib.metadata import version

__version__ = version("backend-agent")
