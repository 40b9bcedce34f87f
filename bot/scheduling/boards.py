"""The weekly leaderboard post on a channel's schedule: queued once per week, sent by the outbox.

There is nothing to prepare before the post is recorded (the board is read from the board
tables when it is sent), so the claim and the outbox row are one insert with a unique key,
board:<schedule id>:<Monday of the local week>. From there the outbox's lease, retry, expiry
and crash rules apply exactly as to the daily drill's post.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.messages import Table
from bot.scheduling import planner
from bot.scheduling.models import OutboxRow, Schedule
from bot.store import new_id

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)

# Same tick as the day's drill: both rows share created_at, and the board sorts after the post.
BOARD_POSITION = 1


@dataclass(frozen=True)
class BoardRender:
    """What to send for a board row: the table, or why nothing goes out (the row then expires)."""

    table: Table | None
    skipped: str = ""


class WeeklyBoards:
    """Queues due board posts and renders them when the outbox sends them."""

    def __init__(self, app: App, store: ScheduleStore) -> None:
        self.app = app
        self.store = store

    async def queue_due(self, schedules: list[Schedule], now: datetime) -> int:
        """Record this week's board post for every schedule whose board is due now; returns how many."""
        queued = 0
        for schedule in schedules:
            slot = planner.board_slot(schedule, now)
            if slot is None:
                continue
            week = planner.week_of(slot.local_date)
            post = OutboxRow(id=new_id(), kind="board", delivery_id=None, schedule_id=schedule.id,
                             claim_key=f"board:{schedule.id}:{week.isoformat()}", platform=schedule.platform,
                             space=schedule.space, channel=schedule.channel, position=BOARD_POSITION,
                             not_before=now, expires_at=slot.closes_at, created_at=now)
            if await self.store.queue_board(post):
                queued += 1
                log.info("weekly board queued for %s %s (week of %s)", schedule.platform, schedule.channel, week)
        return queued

    async def render(self, row: OutboxRow) -> BoardRender:
        """The board as it stands when sent. A board turned off (or a schedule removed) after the
        post was recorded is not sent: off means off. An empty board is not posted either."""
        from bot.leaderboard.service import weekly_board

        schedule = await self.store.get_schedule(row.schedule_id) if row.schedule_id else None
        if schedule is None or schedule.board_day is None:
            return BoardRender(None, "the weekly board was turned off before it was sent")
        if not row.space:
            return BoardRender(None, "the schedule names no workspace/server (set it with `schedule add --space`)")
        table = await weekly_board(self.app, row.platform, row.space,
                                   channel=schedule.channel if schedule.board_here else None)
        if not table.rows:
            return BoardRender(None, "nobody had counted answers for the board; nothing was posted")
        return BoardRender(table)
