"""Settings come from the environment: one that is missing stops the app in one line."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings


@pytest.fixture
def uncached() -> Iterator[None]:
    """`get_settings` reads the environment again, and forgets it afterwards."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("uncached")
def test_a_missing_setting_stops_the_process_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match=r"^settings: DATABASE_URL: Field required") as stopped:
        get_settings()
    assert "\n" not in str(stopped.value)
