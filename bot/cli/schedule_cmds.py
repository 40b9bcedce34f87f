"""CLI: `saga-drills schedule add|list|board|remove|run-now` on the database the running bot uses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from bot.cli import CliError, setup_logging
from bot.cli.common import load_settings, run_with_app
from bot.messages import PLATFORMS

if TYPE_CHECKING:
    from bot.app import App
    from bot.scheduling.models import Schedule

log = logging.getLogger(__name__)

CONSOLE_SPACE = "local"  # the console adapter's space; see adapters/console_adapter.py
BOARD_DAY_HELP = "also post the leaderboard weekly on this day at --at (mon … sun), or off; default: unchanged"
BOARD_HERE_HELP = "the weekly board counts this channel's drills only (default: the whole workspace/server)"


def register(sub: argparse._SubParsersAction) -> None:
    sched = sub.add_parser("schedule", help="daily channel drills: add, list, board, remove, run-now",
                           description="Daily channel drills. The running bot (`saga-drills run`) picks up changes "
                                       "within a minute; SQLite is the source of truth.")
    ssub = sched.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)

    add = ssub.add_parser("add", help="set a channel's daily drill (replaces that channel's schedule)")
    add.add_argument("--platform", required=True, choices=PLATFORMS)
    add.add_argument("--channel", required=True, metavar="ID", help="channel id (console: any name, e.g. console)")
    add.add_argument("--at", required=True, metavar="HH:MM", help="local time of the post, 24-hour")
    add.add_argument("--tz", required=True, metavar="ZONE", help="IANA time zone, e.g. Europe/Berlin")
    add.add_argument("--days", metavar="DAYS", help="mon-fri (default), daily, weekends, mon,wed,fri")
    add.add_argument("--window", metavar="HOURS", help="answer window before the reveal, 0.25-23 (default 8)")
    add.add_argument("--space", metavar="ID", help="Slack team id / Discord server id (console: local)")
    add.add_argument("--board-day", metavar="DAY", help=BOARD_DAY_HELP)
    add.add_argument("--board-here", action="store_true", help=BOARD_HERE_HELP)
    add.set_defaults(func=cmd_add)

    lst = ssub.add_parser("list", help="every schedule with its next post and last run")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cmd_list)

    board = ssub.add_parser("board", help="post the leaderboard weekly on a schedule, or stop it",
                            description="Post the leaderboard in the schedule's channel once a week, at the schedule's "
                                        "time, just after that day's drill. Monday to Wednesday it shows last week's "
                                        "final board, later days this week's so far; a week with no counted answers "
                                        "posts nothing. Like the drill, a board missed because the bot was down is "
                                        "posted on its return the same day, never on a later day.")
    board.add_argument("id", help="schedule id from `schedule list`")
    board.add_argument("day", metavar="DAY|off", help="mon, tue, wed, thu, fri, sat or sun; off stops the weekly post")
    board.add_argument("--here", action="store_true", help=BOARD_HERE_HELP)
    board.set_defaults(func=cmd_board)

    rm = ssub.add_parser("remove", help="stop a channel's daily drill (an open run still gets its reveal)")
    rm.add_argument("id", help="schedule id from `schedule list`")
    rm.set_defaults(func=cmd_remove)

    now = ssub.add_parser("run-now", help="post today's drill now; a second call posts nothing",
                          description="Claim today's run and record its post, then send it when this process can "
                                      "(console: printed here; Slack/Discord: when their credentials are set). "
                                      "Anything left pending is sent by the running bot.")
    now.add_argument("id", help="schedule id from `schedule list`")
    now.set_defaults(func=cmd_run_now)


def _store(app: App) -> Any:
    return app.schedules


def cmd_add(args: argparse.Namespace) -> int:
    from bot.scheduling.models import ScheduleInputError, ScheduleSpec, parse_board_day

    try:
        spec = ScheduleSpec.parse(at=args.at, tz=args.tz, days=args.days, window=args.window)
        board_day = parse_board_day(args.board_day) if args.board_day is not None else None
    except ScheduleInputError as exc:
        raise CliError(f"--{exc.field}: {exc.message}") from None
    if args.board_here and board_day is None:
        raise CliError("--board-here: give the weekly board's day too, e.g. --board-day mon --board-here")
    channel = args.channel.strip()
    if not channel or ":" in channel:
        raise CliError(f"--channel: {args.channel!r} is not a channel id")
    space = args.space if args.space is not None else (CONSOLE_SPACE if args.platform == "console" else "")
    settings = load_settings()

    async def body(app: App) -> int:
        now = app.engine.clock.now()
        store = _store(app)
        if board_day is not None and not space:
            # A channel set up from chat already knows its workspace; otherwise it must be given.
            existing = await store.schedule_for_channel(args.platform, channel)
            if existing is None or not existing.space:
                raise CliError("--space: the weekly board counts one workspace/server; give the Slack team id or "
                               "Discord server id (nothing was saved)")
        schedule, created = await store.upsert_schedule(spec, platform=args.platform, space=space,
                                                        channel=channel, created_by="cli", now=now)
        if args.board_day is not None:
            schedule = await store.set_board(schedule.id, day=board_day, here=args.board_here, now=now) or schedule
        print(f"{'added' if created else 'updated'} schedule {schedule.id}: {schedule.platform} {schedule.channel} at "
              f"{schedule.describe()}. {_next(schedule, now)}{_next_board(schedule, now)}")
        return 0

    return run_with_app(settings, body)


def cmd_board(args: argparse.Namespace) -> int:
    from bot.scheduling.models import ScheduleInputError, parse_board_day

    try:
        day = parse_board_day(args.day)
    except ScheduleInputError as exc:
        raise CliError(f"DAY: {exc.message}") from None
    if args.here and day is None:
        raise CliError("--here: only a weekly board that is on has a scope; drop --here to turn it off")
    settings = load_settings()

    async def body(app: App) -> int:
        store, now = _store(app), app.engine.clock.now()
        schedule = await store.get_schedule(args.id)
        if schedule is None:
            raise CliError(f"no schedule has id {args.id!r}; see `saga-drills schedule list`")
        if day is not None and not schedule.space:
            raise CliError(f"schedule {schedule.id} names no workspace/server, and the board counts one: set it again "
                           f"with `saga-drills schedule add … --space ID --board-day {args.day}`")
        updated = await store.set_board(schedule.id, day=day, here=args.here, now=now)
        if updated is None:
            raise CliError(f"schedule {args.id!r} was removed meanwhile; see `saga-drills schedule list`")
        where = f"{updated.platform} {updated.channel}"
        if day is None:
            print(f"the weekly leaderboard in {where} is off; the daily drill carries on")
        else:
            print(f"the weekly leaderboard in {where} is on: {updated.board_label()}, at {updated.at:%H:%M} "
                  f"{updated.tz}.{_next_board(updated, now)}")
        return 0

    return run_with_app(settings, body, create=False)


def cmd_list(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def body(app: App) -> int:
        store, now = _store(app), app.engine.clock.now()
        items = []
        for schedule in await store.schedules():
            last = await store.runs_for(schedule.id, limit=1)
            items.append((schedule, last[0] if last else None))
        if args.json:
            print(json.dumps([_as_json(s, r, now) for s, r in items], indent=2))
            return 0
        if not items:
            print("no schedules yet; add one with `saga-drills schedule add --platform console --channel console "
                  "--at 09:30 --tz Europe/Berlin`", file=sys.stderr)
            return 0
        from bot.scheduling.models import days_label, hours_label

        header = ("ID", "PLATFORM", "CHANNEL", "AT", "ZONE", "DAYS", "WINDOW", "NEXT POST", "LAST RUN", "BOARD")
        rows = [header] + [(s.id, s.platform, s.channel, f"{s.at:%H:%M}", s.tz, days_label(s.days),
                            hours_label(s.window_minutes), _next_local(s, now),
                            f"{r.local_date} {r.status}" if r else "-", _board_cell(s)) for s, r in items]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        return 0

    return run_with_app(settings, body, create=False)


def cmd_remove(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def body(app: App) -> int:
        store = _store(app)
        schedule = await store.get_schedule(args.id)
        if schedule is None:
            raise CliError(f"no schedule has id {args.id!r}; see `saga-drills schedule list`")
        await store.remove_schedule(schedule.id)
        print(f"removed schedule {schedule.id} ({schedule.platform} {schedule.channel}); "
              "a drill already posted today still gets its reveal")
        return 0

    return run_with_app(settings, body, create=False)


def cmd_run_now(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(args.verbose, "WARNING")

    async def body(app: App) -> int:
        from bot.scheduling.outbox import OutboxSender
        from bot.scheduling.tick import Ticker

        store = _store(app)
        schedule = await store.get_schedule(args.id)
        if schedule is None:
            raise CliError(f"no schedule has id {args.id!r}; see `saga-drills schedule list`")
        ticker = Ticker(app, store=store)
        outcome = await ticker.runs.run_now(schedule, app.engine.clock.now())
        run = outcome.run
        where = f"{schedule.platform} {schedule.channel}"
        if outcome.claimed and run.status in {"missed", "claimed"}:
            raise CliError(f"nothing to post in {where}: no active drill in the packs (see `saga-drills drills list`)")
        sent = 0
        adapter = await _open_adapter(app, schedule.platform)
        if adapter is not None:
            try:
                sent = (await OutboxSender(app, store, owner=ticker.owner, lease=ticker.lease,
                                           adapters={schedule.platform: adapter}).drain(run_id=run.id)).sent
            finally:
                if schedule.platform != "console":
                    await adapter.disconnect()
        post = next((r for r in await store.outbox_for_run(run.id) if r.kind == "channel"), None)
        drill = f"“{run.drill_id}”" if run.drill_id else "today's drill"
        reveal = f"{run.closes_at.astimezone(schedule.zone):%H:%M} {schedule.tz}"
        if not outcome.claimed and not sent:
            state = {"sent": "posted", "pending": "recorded and pending"}.get(post.status if post else "", run.status)
            print(f"today's drill for {where} was already claimed at {run.claimed_at.astimezone(schedule.zone):%H:%M} "
                  f"and is {state}; nothing new was posted")
            return 0
        if post is not None and post.status == "sent":
            print(f"posted {drill} in {where}; the reveal is at {reveal}")
        elif post is not None and post.status == "pending":
            print(f"recorded {drill} for {where}; it is pending, and the running bot (`saga-drills run`) sends it "
                  "within a minute")
        else:
            print(f"{drill} for {where} was not sent: {post.status if post else run.status} "
                  f"({post.last_error if post and post.last_error else 'no detail'})")
            return 1
        return 0

    return run_with_app(settings, body)


async def _open_adapter(app: App, platform: str) -> Any:
    """An adapter this one-shot process may send with, or None (the running bot sends instead)."""
    if platform == "console":
        from adapters.console_adapter import ConsoleAdapter

        return ConsoleAdapter(app.settings, app.router)
    if platform not in app.settings.configured_platforms():
        return None
    from adapters import create_adapter

    try:
        adapter = create_adapter(platform, app.settings, app.router, serve=False)  # send only: the running bot serves
        await adapter.connect()
    except Exception as exc:  # the run is recorded; the running bot can still send it
        print(f"cannot send to {platform} from here ({exc}); the running bot will", file=sys.stderr)
        return None
    return adapter


def _next(schedule: Schedule, now: Any) -> str:
    from bot.scheduling import planner

    slot = planner.next_slot(schedule, now)
    return f"Next post: {slot.due_at.astimezone(schedule.zone):%a %d %b, %H:%M} ({schedule.tz})." if slot else ""


def _next_board(schedule: Schedule, now: Any) -> str:
    from bot.scheduling import planner

    slot = planner.next_board_slot(schedule, now)
    return f" Next board: {slot.due_at.astimezone(schedule.zone):%a %d %b, %H:%M} ({schedule.tz})." if slot else ""


def _board_cell(schedule: Schedule) -> str:
    from bot.scheduling.models import DAY_NAMES

    if schedule.board_day is None:
        return "-"
    return DAY_NAMES[schedule.board_day] + (" here" if schedule.board_here else "")


def _next_local(schedule: Schedule, now: Any) -> str:
    from bot.scheduling import planner

    slot = planner.next_slot(schedule, now)
    return f"{slot.due_at.astimezone(schedule.zone):%a %d %b %H:%M}" if slot else "-"


def _as_json(schedule: Schedule, run: Any, now: Any) -> dict[str, Any]:
    from bot.scheduling import planner
    from bot.scheduling.models import DAY_NAMES

    slot = planner.next_slot(schedule, now)
    return {
        "id": schedule.id, "platform": schedule.platform, "space": schedule.space, "channel": schedule.channel,
        "at": f"{schedule.at:%H:%M}", "tz": schedule.tz, "days": [DAY_NAMES[d] for d in schedule.days],
        "window_hours": schedule.window_minutes / 60,
        "next_post_utc": slot.due_at.isoformat() if slot else None,
        "board": None if schedule.board_day is None else {
            "day": DAY_NAMES[schedule.board_day], "scope": "channel" if schedule.board_here else "workspace",
            "next_post_utc": board.due_at.isoformat() if (board := planner.next_board_slot(schedule, now)) else None},
        "last_run": {"local_date": run.local_date.isoformat(), "status": run.status, "drill_id": run.drill_id} if run else None,
    }
