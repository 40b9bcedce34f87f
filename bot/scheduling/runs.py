"""Daily channel runs: claim (schedule, local date) once, record the post, reveal when it closes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.ports import SentRef
from bot.scheduling import planner
from bot.scheduling.models import DailyRun, OutboxRow, Schedule
from bot.store import new_id

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunNow:
    """What `schedule run-now` found: the day's run and whether this call claimed it."""

    run: DailyRun
    claimed: bool


class DailyRunner:
    """Starts due runs, takes over runs whose owner died, and queues reveals, once each."""

    def __init__(self, app: App, store: ScheduleStore, *, owner: str, lease: timedelta) -> None:
        self.app = app
        self.store = store
        self.owner = owner
        self.lease = lease

    async def start_due(self, schedules: list[Schedule], now: datetime) -> int:
        """Claim and record today's post for every schedule that is due; returns runs started."""
        started = 0
        for schedule in schedules:
            slot = planner.due_slot(schedule, now)
            if slot is None:
                continue
            run = await self.store.claim_run(schedule, local_date=slot.local_date, due_at=slot.due_at,
                                             closes_at=slot.closes_at, owner=self.owner,
                                             lease_until=now + self.lease, now=now)
            if run is None:
                continue  # claimed before: by us earlier, by another process, or by run-now
            late = now - slot.due_at
            if late > timedelta(minutes=5):
                log.info("catching up: %s %s posts %s late", schedule.platform, schedule.channel, late)
            started += await self._prepare(run, now)
        return started

    async def run_now(self, schedule: Schedule, now: datetime) -> RunNow:
        """Today's run for `schedule`, posted now: the same claim the tick uses, so twice is once."""
        slot = planner.run_now_slot(schedule, now)
        run = await self.store.claim_run(schedule, local_date=slot.local_date, due_at=slot.due_at,
                                         closes_at=slot.closes_at, owner=self.owner, lease_until=now + self.lease, now=now)
        if run is None:
            existing = await self.store.get_run(schedule.id, slot.local_date)
            assert existing is not None
            return RunNow(run=existing, claimed=False)
        await self._prepare(run, now)
        return RunNow(run=await self.store.get_run(schedule.id, slot.local_date) or run, claimed=True)

    async def take_over_stale(self, now: datetime) -> int:
        """Runs claimed by a process that stopped renewing its lease: finish them or mark them missed."""
        resumed = 0
        for run in await self.store.take_over_stale_runs(owner=self.owner, lease_until=now + self.lease, now=now):
            if now >= run.closes_at:
                await self.store.set_run_status(run.id, "missed", expected=["claimed"], now=now)
                log.warning("run %s (%s %s, %s) was claimed by a process that died; its window has closed",
                            run.id, run.platform, run.channel, run.local_date)
                continue
            log.warning("taking over run %s (%s %s, %s) from a process that died", run.id, run.platform,
                        run.channel, run.local_date)
            resumed += await self._prepare(run, now)
        return resumed

    async def _prepare(self, run: DailyRun, now: datetime) -> int:
        """Pick the drill, record the delivery and its outbox row; sending comes later."""
        engine = self.app.engine
        history = await self.store.channel_history(run.platform, run.channel)
        choice = planner.choose_channel_drill(engine.library.active, history, engine.rng)
        if choice is None:
            await self.store.set_run_status(run.id, "missed", expected=["claimed"], now=now)
            log.error("no active drill to post in %s %s; add drills or un-retract some", run.platform, run.channel)
            return 0
        drill, cycle = choice
        zone = planner.zone_or(run.tz, self.app.settings.zone)
        # Only the delivery is recorded now; the outbox renders the card from it when it sends.
        delivery = await engine.record_delivery(drill, kind="channel", platform=run.platform, space=run.space,
                                                channel=run.channel, closes_at=run.closes_at)
        post = OutboxRow(id=new_id(), kind="channel", delivery_id=delivery.id, run_id=run.id,
                         platform=run.platform, space=run.space, channel=run.channel,
                         footer=planner.reveal_footer(run.closes_at, zone, now),
                         not_before=now, expires_at=run.closes_at, created_at=now)
        if not await self.store.record_run_post(run.id, owner=self.owner, drill_id=drill.id, cycle=cycle, post=post, now=now):
            log.warning("lost the claim on run %s before recording it; the process that took it over posts", run.id)
            return 0
        log.info("run %s: %s in %s %s (%s), reveal at %s", run.id, drill.id, run.platform, run.channel,
                 run.local_date, run.closes_at.isoformat())
        return 1

    async def queue_reveals(self, now: datetime) -> int:
        """Close every run whose window ended: queue its reveal in the post's thread, once.

        A reveal more than REVEAL_GRACE late (the bot was down) and a run whose post never went
        out are closed silently: the answers stay recorded, the channel gets no late surprise.
        """
        queued = 0
        for run, post in await self.store.runs_to_reveal(now):
            if post is not None and post.status == "pending":
                # Someone is sending it right now (the tick expired every unheld late row first);
                # decide on the next tick.
                continue
            if post is not None and post.status == "sent" and post.message_ref and now < run.closes_at + planner.REVEAL_GRACE:
                ref = SentRef.parse(post.message_ref)
                reveal = OutboxRow(id=new_id(), kind="reveal", delivery_id=post.delivery_id, run_id=run.id,
                                   platform=run.platform, space=run.space, channel=ref.channel, thread=ref.message_id,
                                   not_before=now, expires_at=run.closes_at + planner.REVEAL_GRACE, created_at=now)
                queued += await self.store.queue_reveal(run.id, reveal, now=now)
            else:
                status = "closed" if post is not None and post.status == "sent" else "missed"
                await self.store.set_run_status(run.id, status, expected=["ready"], now=now)
                log.info("run %s closed without a reveal (%s)", run.id,
                         "the reveal would be too late" if status == "closed" else "its post was never sent")
            if run.delivery_id:
                await self.app.store.close_delivery(run.delivery_id, now=now)
                await self.store.link_members(run.schedule_id, run.delivery_id, now=now)
        return queued
