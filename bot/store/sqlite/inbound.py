"""InboundClaims: the first claim of a platform delivery key wins, with claims written by group commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.store import StoreBusy
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.group_commit import GroupCommit
from bot.store.sqlite.rows import rows_of

_INSERT = """
INSERT INTO inbound_keys (platform, key, seen_at) VALUES {rows}
ON CONFLICT (platform, key) DO NOTHING
RETURNING platform, key
"""


class _Claim:
    __slots__ = ("ident", "seen_at", "future")

    def __init__(self, ident: tuple[str, str], seen_at: str, future: asyncio.Future[bool]) -> None:
        self.ident, self.seen_at, self.future = ident, seen_at, future


class InboundClaims(GroupCommit[_Claim]):
    """Claims of (platform, key), each answered True for the first claim by any process.

    Slack's adapter claims every request's key before it acks (a retry that lands on another
    worker must be acted on once), so a burst of clicks brings one claim each. One transaction
    per claim queued every click behind the writer, three statements at a time, with its ack
    waiting: the Slack end-to-end rate fell by a third (benchmarks/slack_path.py). As with
    AnswerWriter, claims that arrive while a transaction runs wait for the next one, which
    writes them all in one INSERT; its RETURNING names the keys that went in.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(task_name="inbound-claims")
        self.db = db

    async def claim(self, platform: str, key: str, *, seen_at: str, within: float | None = None) -> bool:
        """Whether this claim took the key; StoreBusy after `within` seconds without an answer."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._enqueue(_Claim((platform, key), seen_at, future))
        if within is None:
            return await future
        try:
            # Shielded: the claim stays queued and its key is written even after the caller gave up.
            async with asyncio.timeout(within):
                return await asyncio.shield(future)
        except TimeoutError:
            raise StoreBusy(f"the database did not claim the {platform} key within {within:.1f} s") from None

    async def _write(self, batch: Sequence[_Claim]) -> list[bool]:
        """The batch's distinct keys in one INSERT; for each claim, whether it took its key (of two
        claims of one key in a batch, the first)."""
        distinct: dict[tuple[str, str], str] = {}
        for claim in batch:
            distinct.setdefault(claim.ident, claim.seen_at)
        params = [v for (platform, key), seen_at in distinct.items() for v in (platform, key, seen_at)]
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(_INSERT.format(rows=rows_of(len(distinct), 3)), params)
        won = {(row[0], row[1]) for row in rows}
        firsts = []
        for claim in batch:
            firsts.append(claim.ident in won)
            won.discard(claim.ident)
        return firsts
