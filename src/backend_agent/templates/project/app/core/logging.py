"""Logging, set up once at start-up; every record carries the id of the request it serves."""

import logging
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str] = ContextVar("request_id", default="-")

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(request_id)s %(message)s"
JSON_NAMES = {"levelname": "level", "name": "logger"}

SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
"""The server configures these itself; they are sent through the app's handler instead."""


class RequestIdFilter(logging.Filter):
    """Adds the current request id to each record, so log lines of one request can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """Send the app's and the server's logs to stderr in one format (`json`: one object per
    line, for log collectors); safe to call more than once."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES, timestamp="time")
        if log_format == "json"
        else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers = []
        server.propagate = True
