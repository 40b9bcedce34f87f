"""The outbox sender: lease recorded messages, send them one at a time, mark each one sent.

Sending is sequential on purpose. A row is marked sent right after the platform accepts it,
so a process killed at any instant leaves at most one message sent but not marked — the one
in flight — and only that one can go out twice when another process takes the row over.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.messages import Reply, Reveal
from bot.ports import Target
from bot.scheduling.boards import WeeklyBoards
from bot.scheduling.models import OutboxRow
from bot.store import StoreBusy

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)

CHUNK = 20
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0


class OutboxSender:
    """Sends pending outbox rows through `adapters` (the app's live adapters by default)."""

    def __init__(self, app: App, store: ScheduleStore, *, owner: str, lease: timedelta,
                 adapters: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.store = store
        self.owner = owner
        self.lease = lease
        self._adapters = adapters
        self.boards = WeeklyBoards(app, store)

    @property
    def adapters(self) -> Mapping[str, Any]:
        return self._adapters if self._adapters is not None else self.app.adapters

    async def drain(self, *, run_id: str | None = None, budget: float = 45.0,
                    stop: asyncio.Event | None = None) -> DrainResult:
        """Send what is pending for our platforms until done, stopped, or `budget` seconds pass
        (so a long review queue never holds up the next tick's channel posts)."""
        clock = self.app.engine.clock
        result = DrainResult()
        deadline = time.monotonic() + budget
        stopped = lambda: (stop is not None and stop.is_set()) or time.monotonic() >= deadline  # noqa: E731
        try:
            while not stopped():
                now = clock.now()
                rows = await self.store.claim_outbox(platforms=set(self.adapters), owner=self.owner,
                                                     lease_until=now + self.lease, now=now, limit=CHUNK, run_id=run_id)
                if not rows:
                    break
                mine, renewed = {r.id for r in rows}, now
                for index, row in enumerate(rows):
                    if stopped():
                        break
                    now = clock.now()
                    if now - renewed >= self.lease / 3:  # renew while working, well before expiry
                        mine = await self.store.renew_outbox([r.id for r in rows[index:]], owner=self.owner,
                                                             lease_until=now + self.lease)
                        renewed = now
                    if row.id not in mine:
                        log.warning("lost the lease on outbox row %s; another process sends it", row.id)
                        continue
                    await self._send(row, result)
        finally:
            # Rows claimed but not reached go back at once instead of waiting out the lease.
            await self.store.release_outbox(owner=self.owner)
        return result

    async def _send(self, row: OutboxRow, result: DrainResult) -> None:
        clock = self.app.engine.clock
        try:
            reply, skipped = await self._render(row)
        except StoreBusy:
            raise  # the tick stops and the next one carries on; the row's lease lapses meanwhile
        except Exception as exc:  # a board that cannot be drawn now is retried like a failed send
            log.exception("could not render %s row %s", row.kind, row.id)
            await self._failed(row, exc, result)
            return
        if reply is None:
            await self.store.finish_outbox(row, "expired", now=clock.now(), error=skipped)
            result.expired += 1
            if row.kind == "board":
                log.info("weekly board for %s %s not posted: %s", row.platform, row.channel, skipped)
            return
        adapter = self.adapters[row.platform]
        target = Target(platform=row.platform, space=row.space, channel=row.channel, thread=row.thread,
                        user_id=row.user_id)
        try:
            ref = await adapter.send(target, reply)
        except Exception as exc:  # a platform error must not stop the other members' messages
            await self._failed(row, exc, result)
            return
        # Marked sent before anything else: this is the window where a kill leaves one duplicate.
        # The reference is stored once, on this row: the reveal finds its thread here.
        await self.store.finish_outbox(row, "sent", now=clock.now(), message_ref=str(ref))
        result.sent += 1
        self.app.metrics.send(row.platform, "sent")

    async def _failed(self, row: OutboxRow, exc: Exception, result: DrainResult) -> None:
        now = self.app.engine.clock.now()
        error = f"{type(exc).__name__}: {exc}"[:300]
        attempts = row.attempts + 1
        # SendFailed(permanent=True): no access, DMs closed, too big — retrying cannot help.
        if attempts >= MAX_ATTEMPTS or getattr(exc, "permanent", False):
            await self.store.finish_outbox(row, "failed", now=now, error=error)
            result.failed += 1
            self.app.metrics.send(row.platform, "failed")
            log.error("gave up on %s to %s after %d attempts: %s", row.kind, row.platform, attempts, error)
            return
        wait = FIRST_RETRY * 2 ** (attempts - 1)
        await self.store.retry_outbox(row, not_before=now + wait, error=error)
        result.retried += 1
        self.app.metrics.send(row.platform, "retried")
        log.warning("could not send %s to %s (attempt %d, retry in %s): %s", row.kind, row.platform, attempts, wait, error)

    async def _render(self, row: OutboxRow) -> tuple[Reply | None, str]:
        """The message to send, rebuilt from the recorded delivery so a restart sends the same card;
        or None and why it is not sent."""
        engine = self.app.engine
        if row.kind == "board":
            board = await self.boards.render(row)
            return board.table, board.skipped
        gone = "the drill was retracted or is gone"
        if row.delivery_id is None:
            return None, gone
        if row.kind == "reveal":
            reveal = await engine.reveal(row.delivery_id)
            return (reveal, "") if isinstance(reveal, Reveal) else (None, gone)
        delivery = await self.app.store.get_delivery(row.delivery_id)
        drill = engine.library.get(delivery.drill_id) if delivery else None
        if delivery is None or drill is None or drill.retracted:
            return None, gone
        return engine.card_for(delivery, drill, footer=row.footer), ""
