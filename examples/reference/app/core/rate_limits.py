"""Rate limits: how often one client address or one account may sign in, register or run an
agent, counted in a moving window (the `limits` library).

The counts live in this process's memory unless RATE_LIMIT_STORAGE_URL names a shared store.
Several processes (uvicorn workers) or replicas each count on their own, so a client gets
that many times the limit: point them all at one Redis (`redis://host:6379/0`, after
`pip install "limits[async-redis]"`).
"""

import math
import time

from limits import parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from app.core.errors import RateLimitedError, UnavailableError


class RateLimiter:
    """Counts requests per key; one per app."""

    def __init__(self, storage_url: str | None) -> None:
        url = f"async+{storage_url}" if storage_url else "async+memory://"
        storage = storage_from_string(url, wrap_exceptions=True)
        if not isinstance(storage, Storage):
            raise TypeError(f"{url.split('://')[0]} is not an asyncio store of `limits`")
        self._storage = storage
        self._window = MovingWindowRateLimiter(storage)

    async def hit(self, limit: str, *key: str) -> None:
        """Count one request against `limit` (e.g. "10/minute") for `key`; raises
        `RateLimitedError`, saying when to retry, once the window is full."""
        rate = parse(limit)
        try:
            if await self._window.hit(rate, *key):
                return
            reset, _ = await self._window.get_window_stats(rate, *key)
        except StorageError as error:
            raise UnavailableError(
                "the rate limit store is unavailable; try again shortly"
            ) from error
        wait = max(1, math.ceil(reset - time.time()))
        raise RateLimitedError(f"too many requests; try again in {wait} s", retry_after=wait)

    async def reset(self) -> None:
        """Forget every count (tests start each from zero)."""
        await self._storage.reset()
