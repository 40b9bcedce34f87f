"""One pass of the scheduler, `Ticker.tick(now)`: a plain coroutine tests call with any instant."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.scheduling.boards import WeeklyBoards
from bot.scheduling.outbox import OutboxSender
from bot.scheduling.reviews import ReviewRunner
from bot.scheduling.runs import DailyRunner
from bot.store import StoreBusy
from bot.store import new_id

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)
# Inbound keys older than this can repeat nothing: Slack retries within minutes and the signature
# check refuses a request older than five.
INBOUND_KEPT = timedelta(hours=1)


@dataclass
class TickReport:
    """What one tick did; logged, and what tests assert on."""

    runs_started: int = 0
    runs_resumed: int = 0
    boards_queued: int = 0
    reveals_queued: int = 0
    review_batches: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    busy: bool = False

    def __bool__(self) -> bool:
        return any((self.runs_started, self.runs_resumed, self.boards_queued, self.reveals_queued,
                    self.review_batches, self.sent, self.retried, self.failed, self.expired))


def process_owner() -> str:
    """A lease owner id unique to this process: host, pid, and a random part against pid reuse."""
    return f"{socket.gethostname()}:{os.getpid()}:{new_id(4)}"


class Ticker:
    """Everything the clock triggers, in order: resume dead runs, start due runs, queue weekly
    boards, queue reveals, record review batches, then send what is pending. Each step is a claim in SQLite, so any
    number of processes may tick the same database and every message is recorded once."""

    def __init__(self, app: App, *, store: ScheduleStore | None = None, owner: str | None = None,
                 lease: timedelta | None = None, send_budget: float = 45.0) -> None:
        self.app = app
        self.store = store or app.schedules
        self.owner = owner or process_owner()
        self.lease = lease or timedelta(seconds=app.settings.lease_seconds)
        self.send_budget = send_budget
        self.runs = DailyRunner(app, self.store, owner=self.owner, lease=self.lease)
        self.reviews = ReviewRunner(app, self.store, owner=self.owner, lease=self.lease)
        self.boards = WeeklyBoards(app, self.store)
        self.outbox = OutboxSender(app, self.store, owner=self.owner, lease=self.lease)
        self.stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self.finished_at: datetime | None = None  # when the last tick ended, busy or not (readiness reads it)

    async def tick(self, now: datetime | None = None) -> TickReport:
        """One pass at `now` (default: the app's clock). Never overlaps itself in one process."""
        report = TickReport()
        async with self._lock:
            if self.stopping.is_set():
                return report
            now = now or self.app.engine.clock.now()
            served = set(self.app.adapters)
            try:
                schedules = [s for s in await self.store.schedules() if s.platform in served]
                report.runs_resumed = await self.runs.take_over_stale(now)
                report.runs_started = await self.runs.start_due(schedules, now)
                report.boards_queued = await self.boards.queue_due(schedules, now)
                # Late rows nobody holds never go out: a post after its window, a DM at night.
                report.expired = len(await self.store.expire_outbox(now))
                report.reveals_queued = await self.runs.queue_reveals(now)
                if served:
                    report.review_batches = await self.reviews.run(now, platforms=served, stop=self.stopping)
                drained = await self.outbox.drain(budget=self.send_budget, stop=self.stopping)
                await self.app.store.prune_inbound(before=now - INBOUND_KEPT)
            except StoreBusy as exc:
                # Another process holds the write lock; everything done so far is committed and
                # the next tick carries on from there.
                log.warning("scheduler tick stopped early: %s", exc)
                report.busy = True
                self.finished_at = self.app.engine.clock.now()
                return report
            report.sent, report.retried, report.failed = drained.sent, drained.retried, drained.failed
            report.expired += drained.expired
            self.finished_at = self.app.engine.clock.now()
        if report:
            log.info("tick: %s", report)
        return report

    async def idle(self) -> bool:
        """Nothing pending for the platforms served here and no claim half-recorded."""
        counts = await self.store.outbox_counts(platforms=set(self.app.adapters) or {"-"})
        return counts.get("pending", 0) == 0 and await self.store.unfinished_claims() == 0

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Finish the message in flight, then hand back every claim so a restart needs no lease wait."""
        self.stopping.set()
        try:
            await asyncio.wait_for(self._lock.acquire(), timeout)
        except asyncio.TimeoutError:
            log.warning("a scheduler tick is still sending after %.0f s; its claims expire with the lease", timeout)
            return
        try:
            handed = await self.store.release_claims(owner=self.owner, now=self.app.engine.clock.now())
            # An operator stopping a worker wants to know nothing was dropped: say what was handed on.
            log.info("scheduler stopped: handed back %d daily run(s), %d review batch(es) and %d unsent "
                     "message(s) for another process or the next start", handed["daily_runs"],
                     handed["review_batches"], handed["messages"])
        finally:
            self._lock.release()
