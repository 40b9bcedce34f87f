"""WalCheckpointer: copies the write-ahead log back into the database file off the answer path."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Runs SQLite checkpoints on a connection (and so a thread) of its own.

    SQLite's automatic checkpoint runs inside the COMMIT that takes the log past 1,000 pages,
    so every few answer batches one of them paid for copying all pages written since (4–7 ms
    added to that batch's members, measured with benchmarks/answer_path.py). The writer turns
    it off and calls `committed()` instead; this runs a PASSIVE checkpoint, which never blocks
    a writer or a reader, and SQLite copies the pages and syncs the file without holding the GIL.

    Checkpoints never overlap: commits that land while one runs are covered by one more run
    after it, so under load they follow each other and at rest the log stays short.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._closed = False
        self.runs = 0

    def committed(self) -> None:
        """Note a commit; never waits."""
        if self._closed:
            return
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wal-checkpoint")

    async def _run(self) -> None:
        while self._again and not self._closed:
            self._again = False
            try:
                if self._conn is None:
                    self._conn = await aiosqlite.connect(str(self.path), isolation_level=None)
                await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self.runs += 1
            except Exception as exc:  # the log only grows until the next try; answers are unaffected
                log.warning("checkpoint of %s failed: %s", self.path, exc)

    async def idle(self) -> None:
        """Wait until no checkpoint is running or due (tests and shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def close(self) -> None:
        """Finish the checkpoint under way and close the connection; the writer's close does the last one."""
        await self.idle()
        self._closed = True
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
