"""Review DMs: plan each member's due cards at their review time, claim the day's batch, record it."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.scheduling import planner
from bot.scheduling.models import OutboxRow, ReviewBatchPlan
from bot.store import new_id

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)

# Members claimed per statement (9 bound values each); small enough that a chunk is recorded
# well within one lease, so claims never need renewing mid-chunk.
CLAIM_CHUNK = 50


class ReviewPlanner:
    """Which members get which review DMs now: one SQL statement (ScheduleStore.due_for_review),
    then the daily cap per member, most overdue first."""

    def __init__(self, store: ScheduleStore, *, per_day: int, default_tz: str,
                 default_at: str = planner.DEFAULT_REVIEW_AT.strftime("%H:%M")) -> None:
        self.store = store
        self.per_day = per_day
        self.default_tz = default_tz
        self.default_at = default_at
        self.default_zone = planner.zone_or(default_tz, ZoneInfo("UTC"))

    async def plan(self, now: datetime, *, platforms: Collection[str], active: Collection[str]) -> list[ReviewBatchPlan]:
        """Batches for every member whose review time has come and who holds due cards."""
        if self.per_day <= 0:
            return []
        pairs = await self.store.review_pairs(platforms=platforms, default_at=self.default_at, default_tz=self.default_tz)
        slots = planner.open_review_slots(pairs, now, self.default_zone)
        rows = await self.store.due_for_review(slots, platforms=platforms, active=active, default_at=self.default_at,
                                               default_tz=self.default_tz, now=now)
        with _bulk_allocation():
            by_member: dict[str, list] = {}
            for member_id, slot, drill_id, due in rows:
                found = by_member.get(member_id)
                if found is None:
                    by_member[member_id] = found = [slot]
                found.append((due, drill_id))
            cap = self.per_day
            return [ReviewBatchPlan(member_id=member_id, slot=slots[found[0]],
                                    cards=tuple((drill_id, due) for due, drill_id in sorted(found[1:])[:cap]))
                    for member_id, found in by_member.items()]


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Pause the cyclic GC while building ~100,000 small acyclic objects in one synchronous go:
    otherwise it rescans them over and over and more than doubles the planning time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ReviewRunner:
    """Claims one batch per member per local date and records its DMs in the outbox before sending."""

    def __init__(self, app: App, store: ScheduleStore, *, owner: str, lease: timedelta) -> None:
        self.app = app
        self.store = store
        self.owner = owner
        self.lease = lease
        self.planner = ReviewPlanner(store, per_day=app.settings.reviews_per_day, default_tz=app.settings.tz)

    async def run(self, now: datetime, *, platforms: Collection[str], stop: asyncio.Event | None = None) -> int:
        """Plan, claim and record today's batches for members whose review time has come.
        With `stop` set, it ends after the current chunk; the next tick plans the rest."""
        dropped = await self.store.drop_stale_batches(now=now)
        if dropped:
            log.warning("%d review batches were claimed by a process that died; planning them again", dropped)
        engine = self.app.engine
        plans = await self.planner.plan(now, platforms=platforms, active=list(engine.library.variants_by_family()))
        recorded = 0
        for start in range(0, len(plans), CLAIM_CHUNK):
            if stop is not None and stop.is_set():
                break
            chunk = plans[start:start + CLAIM_CHUNK]
            lease_until = engine.clock.now() + self.lease
            won = await self.store.claim_batches(
                [(p.member_id, p.slot.local_date, p.slot.tz, p.slot.closes_at) for p in chunk],
                owner=self.owner, lease_until=lease_until, now=now)
            targets = await self.store.member_targets([p.member_id for p in chunk if p.member_id in won])
            for plan in chunk:
                if plan.member_id in won and plan.member_id in targets:
                    recorded += await self._record(won[plan.member_id], plan, targets[plan.member_id], now)
        if recorded:
            log.info("recorded %d review batches (%d planned)", recorded, len(plans))
        return recorded

    async def _record(self, batch_id: str, plan: ReviewBatchPlan, target: tuple[str, str, str], now: datetime) -> int:
        engine = self.app.engine
        platform, space, user_id = target
        zone = planner.zone_or(plan.slot.tz, self.app.settings.zone)
        rows = []
        # Each due family deals a variant the member has not seen (bot.dealing), not the last one.
        drills = await engine.review_variants(plan.member_id, [family_id for family_id, _ in plan.cards])
        dues = {family_id: due for family_id, due in plan.cards}
        for drill in drills:
            footer = planner.review_footer(parse_iso(dues[drill.family_id]), zone, now)
            delivery = await engine.record_delivery(drill, kind="review", member_id=plan.member_id, platform=platform,
                                                    space=space)
            rows.append(OutboxRow(id=new_id(), kind="review", delivery_id=delivery.id, batch_id=batch_id,
                                  member_id=plan.member_id, platform=platform, space=space, user_id=user_id,
                                  footer=footer, position=len(rows), not_before=now, expires_at=plan.slot.closes_at,
                                  created_at=now))
        if not await self.store.record_batch(batch_id, owner=self.owner, rows=rows):
            log.warning("lost the claim on review batch %s before recording it", batch_id)
            return 0
        return 1
