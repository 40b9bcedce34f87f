"""WalCheckpointer: copies the write-ahead log back into the database file off the answer path."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

# At most one checkpoint per this many seconds (SQLite's own default is one per 1,000 pages).
CHECKPOINT_SPACING_S = 0.1


class WalCheckpointer:
    """Runs SQLite checkpoints on a connection (and so a thread) of its own.

    SQLite's automatic checkpoint runs inside the COMMIT that takes the log past 1,000 pages,
    so every few answer batches one of them paid for copying all pages written since (4–7 ms
    added to that batch's members, measured with benchmarks/answer_path.py). The writer turns
    it off and calls `committed()` instead; this runs a PASSIVE checkpoint, which never blocks
    a writer or a reader, and SQLite copies the pages and syncs the file without holding the GIL.

    Checkpoints never overlap, and one starts at most every `spacing` seconds: commits that land
    in between are covered by the next one, so a burst of small transactions (a daily run deals
    one per member) costs a few checkpoints and their fsyncs, not one each, and a page written
    by several batches is copied once. At rest the log is copied back a moment after each write.
    """

    def __init__(self, path: Path, *, spacing: float = CHECKPOINT_SPACING_S) -> None:
        self.path = path
        self.spacing = spacing
        self._last = float("-inf")
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._closed = False
        self._waiting = False
        self.runs = 0

    def committed(self) -> None:
        """Note a commit; never waits."""
        if self._closed:
            return
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wal-checkpoint")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._again and not self._closed:
            wait = self._last + self.spacing - loop.time()
            if wait > 0:
                self._waiting = True  # commits gather meanwhile; `close` cancels only this wait
                try:
                    await asyncio.sleep(wait)
                finally:
                    self._waiting = False
            self._again = False
            try:
                if self._conn is None:
                    self._conn = await aiosqlite.connect(str(self.path), isolation_level=None)
                await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self.runs += 1
                self._last = loop.time()
            except Exception as exc:  # the log only grows until the next try; answers are unaffected
                log.warning("checkpoint of %s failed: %s", self.path, exc)

    async def idle(self) -> None:
        """Wait until no checkpoint is running or due (tests and shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def close(self) -> None:
        """Stop, and close the connection; the writer's own close copies back what is left."""
        self._closed = True
        if self._task is not None and not self._task.done():
            if self._waiting:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
