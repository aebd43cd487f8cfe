"""Log lines: text by default, one JSON object per line with LOG_FORMAT=json."""

import json
import logging
from collections.abc import Iterator

import pytest

from app.core.logging import configure_logging, request_id


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Give the other tests back the root logger as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers = handlers
    root.setLevel(level)


def log_line(logger: str, capsys: pytest.CaptureFixture[str]) -> str:
    token = request_id.set("req-1")
    try:
        logging.getLogger(logger).info("stored %d rows", 3)
    finally:
        request_id.reset(token)
    return capsys.readouterr().err.strip()


def test_text_logs_name_the_level_logger_and_request(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    assert log_line("app.services", capsys).endswith("INFO app.services [req-1] stored 3 rows")


def test_json_logs_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    record = json.loads(log_line("app.services", capsys))
    assert record["level"] == "INFO"
    assert record["logger"] == "app.services"
    assert record["request_id"] == "req-1"
    assert record["message"] == "stored 3 rows"
    assert record["time"].endswith("+00:00")


def test_the_servers_logs_use_the_apps_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    assert json.loads(log_line("uvicorn.access", capsys))["logger"] == "uvicorn.access"


def test_json_logs_keep_the_traceback_in_the_object(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    try:
        raise ValueError("bad row")
    except ValueError:
        logging.getLogger("app").exception("import failed")
    record = json.loads(capsys.readouterr().err)
    assert "ValueError: bad row" in record["exc_info"]


def test_a_lower_level_than_configured_is_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "json")
    assert log_line("app.services", capsys) == ""
