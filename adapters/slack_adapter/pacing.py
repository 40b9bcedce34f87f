"""Pace posts per channel to Slack's documented rate, without one channel holding up another."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

# chat.postMessage allows about one message per second per channel, with short bursts
# (docs.slack.dev/apis/web-api/rate-limits); the workspace-wide limit is left to the 429 handler.
POSTS_PER_SECOND = 1.0


class ChannelPacer:
    """Lets one post per `interval` seconds into each channel; other channels go on meanwhile.

    `monotonic` and `sleep` are injected so tests can drive the pace without waiting.
    """

    def __init__(self, *, interval: float = 1.0 / POSTS_PER_SECOND, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, channel: str) -> AsyncIterator[None]:
        """Hold the channel's turn: waits until its next post is allowed, then posts one."""
        if channel not in self._locks and len(self._locks) >= 1000:
            self._forget_idle()
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._next.get(channel, 0.0) - self.monotonic()
            if wait > 0:
                await self.sleep(wait)
            try:
                yield
            finally:
                self._next[channel] = self.monotonic() + self.interval

    def _forget_idle(self) -> None:
        """Drop channels whose pace has run out, so a year of review DMs does not pile up."""
        now = self.monotonic()
        for channel in [c for c, lock in self._locks.items() if not lock.locked() and self._next.get(c, 0.0) <= now]:
            self._locks.pop(channel, None)
            self._next.pop(channel, None)
