"""Scheduling feature: `/drill schedule set|off|show` in chat, and the clock `saga-drills run` starts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.commands import CommandContext
from bot.messages import Notice, Reply, Table
from bot.scheduling import planner
from bot.scheduling.models import Schedule, ScheduleInputError, ScheduleSpec, days_label, hours_label
from bot.scheduling.service import SchedulerService
from bot.scheduling.store import SqliteScheduleStore

if TYPE_CHECKING:
    from bot.runtime import App

log = logging.getLogger(__name__)

USAGE = "schedule set HH:MM ZONE [DAYS] [window HOURS] | schedule off | schedule show"
EXAMPLE = "/drill schedule set 09:30 Europe/Berlin mon-fri window 8"


def install(app: App) -> SchedulerService:
    service = SchedulerService(app)
    commands = ScheduleCommands(app, service)
    # Not lead_only at the router: `show` is for everyone; set and off check leads themselves.
    app.router.register("schedule", commands.handle, usage=USAGE,
                        summary="this channel's daily drill: set and off for leads, show for all")
    return service


class ScheduleCommands:
    def __init__(self, app: App, service: SchedulerService) -> None:
        self.app = app
        self.service = service

    @property
    def store(self) -> SqliteScheduleStore:
        return self.service.ticker.store

    async def handle(self, ctx: CommandContext, args: list[str]) -> Reply:
        action = args[0].lower() if args else "show"
        if action not in {"set", "off", "show"}:
            return _usage(f"I don't know `schedule {args[0]}`.")
        if not ctx.channel:
            return Notice(text="Run `/drill schedule …` in the channel the daily drill should post to.", level="warning")
        if action == "show":
            return await self._show(ctx)
        if not self.app.router.is_lead(ctx):
            return Notice(text=f"Only leads can use `/drill schedule {action}`; `/drill schedule show` is open to everyone.",
                          level="warning")
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
        verb = "is on" if created else "is now"
        return Notice(text=f"The daily drill here {verb}: {schedule.describe()}. {_next_post(schedule, now)} "
                           "Review DMs for members who answer here follow this time.")

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
            columns=("time", "zone", "days", "reveal after", "next post", "last run"),
            rows=((f"{schedule.at:%H:%M}", schedule.tz, days_label(schedule.days), hours_label(schedule.window_minutes),
                   f"{nxt.due_at.astimezone(zone):%a %d %b %H:%M}" if nxt else "—",
                   f"{last[0].local_date:%a %d %b} · {last[0].status}" if last else "none yet"),),
            footer="Leads: `/drill schedule set …` to change it, `/drill schedule off` to stop it.",
        )


def _next_post(schedule: Schedule, now: datetime) -> str:
    nxt = planner.next_slot(schedule, now)
    return f"Next post: {nxt.due_at.astimezone(schedule.zone):%a %d %b, %H:%M}." if nxt else ""


def _usage(problem: str) -> Notice:
    return Notice(text=f"{problem} Usage: `/drill {USAGE}`, e.g. `{EXAMPLE}`.", level="warning")
