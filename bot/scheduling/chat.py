"""Scheduling feature: `/drill schedule set|off|board|show` in chat, and the clock `saga-drills run` starts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.messages import CommandContext, Notice, Reply, Table
from bot.scheduling import planner
from bot.scheduling.models import (
    Schedule,
    ScheduleInputError,
    ScheduleSpec,
    days_label,
    hours_label,
    parse_board_day,
)
from bot.scheduling.service import SchedulerService

if TYPE_CHECKING:
    from bot.app import App
    from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)

USAGE = "schedule set HH:MM ZONE [DAYS] [window HOURS] | schedule board DAY [here] | schedule board off | " \
        "schedule off | schedule show"
EXAMPLE = "/drill schedule set 09:30 Europe/Berlin mon-fri window 8"
BOARD_EXAMPLE = "/drill schedule board mon"


def install(app: App) -> SchedulerService:
    service = SchedulerService(app)
    commands = ScheduleCommands(app, service)
    # Not lead_only at the router: `show` is for everyone; set, board and off check leads themselves.
    app.router.register("schedule", commands.handle, usage=USAGE,
                        summary="this channel's daily drill and weekly board: set, board and off for leads, show for all")
    return service


class ScheduleCommands:
    def __init__(self, app: App, service: SchedulerService) -> None:
        self.app = app
        self.service = service

    @property
    def store(self) -> ScheduleStore:
        return self.service.ticker.store

    async def handle(self, ctx: CommandContext, args: list[str]) -> Reply:
        action = args[0].lower() if args else "show"
        if action not in {"set", "off", "board", "show"}:
            return _usage(f"I don't know `schedule {args[0]}`.")
        if not ctx.channel:
            return Notice(text="Run `/drill schedule …` in the channel the daily drill should post to.", level="warning")
        if action == "show":
            return await self._show(ctx)
        if not self.app.router.is_lead(ctx):
            return Notice(text=f"Only leads can use `/drill schedule {action}`; `/drill schedule show` is open to everyone.",
                          level="warning")
        if action == "board":
            return await self._board(ctx, args[1:])
        return await (self._set(ctx, args[1:]) if action == "set" else self._off(ctx))

    async def _set(self, ctx: CommandContext, args: list[str]) -> Reply:
        words = list(args)
        window = None
        lowered = [w.lower() for w in words]
        if "window" in lowered:
            at = lowered.index("window")
            if at + 1 >= len(words):
                return _usage("window: give the answer window in hours, e.g. `window 8`.")
            window = words[at + 1]
            del words[at:at + 2]
        if len(words) < 2:
            return _usage("Give the time and the time zone.")
        try:
            spec = ScheduleSpec.parse(at=words[0], tz=words[1], days=",".join(words[2:]) or None, window=window)
        except ScheduleInputError as exc:
            return _usage(f"{exc.field}: {exc.message}.")
        now = self.app.engine.clock.now()
        schedule, created = await self.store.upsert_schedule(
            spec, platform=ctx.member.platform, space=ctx.member.space, channel=ctx.channel,
            created_by=ctx.member.key, now=now)
        await self.service.sync_jobs()
        log.info("%s set the schedule of %s %s: %s", ctx.member.key, schedule.platform, schedule.channel, schedule.describe())
        access = await self.app.channel_access(ctx.member.platform, ctx.channel)
        verb = "is on" if created else "is now"
        return Notice(text=f"The daily drill here {verb}: {schedule.describe()}. {_next_post(schedule, now)} "
                           "Review DMs for members who answer here follow this time."
                           + (f" {access.note}" if access.note else ""),
                      level="info" if access.ok else "warning")

    async def _board(self, ctx: CommandContext, args: list[str]) -> Reply:
        """`board mon [here]` posts the leaderboard weekly at the schedule's time; `board off` stops it."""
        assert ctx.channel is not None
        words = [w.lower() for w in args]
        here = "here" in words
        words = [w for w in words if w != "here"]
        if len(words) != 1:
            return _usage("board-day: name one day for the weekly leaderboard, e.g. `board mon`, or `board off`.",
                          example=BOARD_EXAMPLE)
        try:
            day = parse_board_day(words[0])
        except ScheduleInputError as exc:
            return _usage(f"{exc.field}: {exc.message}.", example=BOARD_EXAMPLE)
        schedule = await self.store.schedule_for_channel(ctx.member.platform, ctx.channel)
        if schedule is None:
            return Notice(text=f"The weekly leaderboard posts at this channel's daily drill time, and there is no daily "
                               f"drill here yet. Set one first: `{EXAMPLE}`, then `{BOARD_EXAMPLE}`.", level="warning")
        now = self.app.engine.clock.now()
        updated = await self.store.set_board(schedule.id, day=day, here=here, space=ctx.member.space, now=now)
        if updated is None:  # removed between the two statements, by another process
            return Notice(text="This channel's schedule was just removed, so nothing changed.", level="warning")
        await self.service.sync_jobs()
        log.info("%s set the weekly board of %s %s: %s", ctx.member.key, updated.platform, updated.channel,
                 updated.board_label())
        if day is None:
            return Notice(text=f"The weekly leaderboard here is off; the daily drill carries on. `{BOARD_EXAMPLE}` "
                               "turns it back on.")
        nxt = planner.next_board_slot(updated, now)
        when = f" Next: {nxt.due_at.astimezone(updated.zone):%a %d %b, %H:%M}." if nxt else ""
        scope = "this channel's drills" if here else "the whole workspace (add `here` for this channel's drills only)"
        # bot.leaderboard.service.weekly_board: Monday–Wednesday show last week, later days this week.
        which = "last week's final board" if day < 3 else "this week's board so far"
        after = "just after that day's drill" if day in updated.days else "(no drill that day)"
        return Notice(text=f"The leaderboard will post here every {_day_name(day)} at {updated.at:%H:%M} {updated.tz} "
                           f"{after}: {which}, counting {scope}.{when} A week with no counted answers posts nothing.")

    async def _off(self, ctx: CommandContext) -> Reply:
        assert ctx.channel is not None
        schedule = await self.store.schedule_for_channel(ctx.member.platform, ctx.channel)
        if schedule is None:
            return Notice(text="There is no daily drill in this channel, so nothing changed.")
        await self.store.remove_schedule(schedule.id)
        await self.service.sync_jobs()
        log.info("%s turned off the schedule of %s %s", ctx.member.key, schedule.platform, schedule.channel)
        return Notice(text="The daily drill here is off. Today's drill, if it was posted, still gets its reveal. "
                           f"`{EXAMPLE}` turns it back on.")

    async def _show(self, ctx: CommandContext) -> Reply:
        assert ctx.channel is not None
        schedule = await self.store.schedule_for_channel(ctx.member.platform, ctx.channel)
        if schedule is None:
            return Notice(text=f"There is no daily drill in this channel yet. A lead can start one: `{EXAMPLE}`.")
        now = self.app.engine.clock.now()
        nxt = planner.next_slot(schedule, now)
        last = await self.store.runs_for(schedule.id, limit=1)
        zone = schedule.zone
        return Table(
            title="Daily drill in this channel",
            columns=("time", "zone", "days", "reveal after", "next post", "last run", "weekly board"),
            rows=((f"{schedule.at:%H:%M}", schedule.tz, days_label(schedule.days), hours_label(schedule.window_minutes),
                   f"{nxt.due_at.astimezone(zone):%a %d %b %H:%M}" if nxt else "—",
                   f"{last[0].local_date:%a %d %b} · {last[0].status}" if last else "none yet",
                   await self._board_cell(schedule, now)),),
            footer="Leads: `/drill schedule set …` to change it, `/drill schedule board DAY|off` for the weekly "
                   "leaderboard, `/drill schedule off` to stop it.",
        )

    async def _board_cell(self, schedule: Schedule, now: datetime) -> str:
        """'Mon · next Mon 09 Mar 09:30 · last Mon 02 Mar sent', or 'off'."""
        if schedule.board_day is None:
            return "off"
        zone = schedule.zone
        parts = [_day_name(schedule.board_day)[:3] + (" · this channel" if schedule.board_here else "")]
        nxt = planner.next_board_slot(schedule, now)
        if nxt:
            parts.append(f"next {nxt.due_at.astimezone(zone):%a %d %b %H:%M}")
        last = await self.store.board_posts(schedule.id, limit=1)
        if last:
            status = {"expired": "skipped"}.get(last[0].status, last[0].status)
            parts.append(f"last {last[0].created_at.astimezone(zone):%a %d %b} {status}")
        return " · ".join(parts)


def _next_post(schedule: Schedule, now: datetime) -> str:
    nxt = planner.next_slot(schedule, now)
    return f"Next post: {nxt.due_at.astimezone(schedule.zone):%a %d %b, %H:%M}." if nxt else ""


def _day_name(day: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day]


def _usage(problem: str, *, example: str = EXAMPLE) -> Notice:
    return Notice(text=f"{problem} Usage: `/drill {USAGE}`, e.g. `{example}`.", level="warning")
