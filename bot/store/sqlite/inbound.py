"""InboundClaims: the first claim of a platform delivery key wins, with claims written by group commit."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.rows import rows_of

log = logging.getLogger(__name__)

# Three bound variables a claim: 500 stay far below SQLite's 32,766 and PostgreSQL's 32,767.
MAX_BATCH = 500

_INSERT = """
INSERT INTO inbound_keys (platform, key, seen_at) VALUES {rows}
ON CONFLICT (platform, key) DO NOTHING
RETURNING platform, key
"""


class InboundClaims:
    """Claims of (platform, key), each answered True for the first claim by any process.

    Slack's adapter claims every request's key before it acks (a retry that lands on another
    worker must be acted on once), so a burst of clicks brings one claim each. One transaction
    per claim queued every click behind the writer, three statements at a time, with its ack
    waiting: the Slack end-to-end rate fell by a third (benchmarks/slack_path.py). As with
    AnswerWriter, claims that arrive while a transaction runs wait for the next one, which
    writes them all in one INSERT; its RETURNING names the keys that went in.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._pending: list[tuple[tuple[str, str], str, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, platform: str, key: str, *, seen_at: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(((platform, key), seen_at, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="inbound-claims")
        return await future

    async def drain(self) -> None:
        if self._flusher:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            # A claimant cancelled before its key was written (its request dropped) leaves the key
            # free, so that Slack's retry of that request is still acted on.
            batch = [item for item in batch if not item[2].done()]
            if not batch:
                continue
            try:
                won = await self._write(batch)
            except Exception as exc:  # every claimant hears of it (the door then acts, and logs why)
                log.warning("inbound key batch of %d failed: %s", len(batch), exc)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for ident, _, future in batch:
                # A key claimed twice in one batch: the first claimant took it out of `won`.
                first = ident in won
                won.discard(ident)
                if not future.done():
                    future.set_result(first)

    async def _write(self, batch: list[tuple[tuple[str, str], str, Any]]) -> set[tuple[str, str]]:
        """The batch's distinct keys in one INSERT; the ones this INSERT added."""
        distinct: dict[tuple[str, str], str] = {}
        for ident, seen_at, _ in batch:
            distinct.setdefault(ident, seen_at)
        params = [v for (platform, key), seen_at in distinct.items() for v in (platform, key, seen_at)]
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(_INSERT.format(rows=rows_of(len(distinct), 3)), params)
        return {(row[0], row[1]) for row in rows}
