"""The weekly leaderboard post, driven by tick(now) on a fixed clock: once on its day, the daily drill's catch-up rules."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from bot.messages import MemberRef, Table
from bot.ports import SentRef
from bot.app import App
from bot.runtime import open_app
from bot.scheduling.service import SchedulerService
from tests.scheduling.conftest import add_schedule, tick_at
from tests.fakes.recording_adapter import RecordingAdapter

UTC = timezone.utc
MON = datetime(2026, 3, 2, tzinfo=UTC)  # Monday; Berlin is UTC+1, so 09:30 local is 08:30 UTC
THU = MON + timedelta(days=3)
BOARD_AT = THU.replace(hour=8, minute=30)
SET_BOARD = datetime(2026, 1, 1, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


async def board_on(service: SchedulerService, schedule, day: int = 3, *, here: bool = False,  # type: ignore[no-untyped-def]
                   now: datetime = SET_BOARD):
    updated = await service.ticker.store.set_board(schedule.id, day=day, here=here, now=now)
    assert updated is not None and updated.board_day == day
    return updated


async def answered_monday(app: App, service: SchedulerService, clock, slack: RecordingAdapter,  # type: ignore[no-untyped-def]
                          *, at: datetime = MON.replace(hour=8, minute=30)) -> None:
    """Monday's drill posts and two members answer it, so this week's board has rows."""
    await tick_at(service, clock, at)
    [post] = slack.of_kind("channel")
    best = next(o.letter for o in post.reply.options if "best" in o.text)
    for user in ("U1", "U2"):
        await app.engine.answer(MemberRef(platform="slack", space="T1", user_id=user, display_name=user.lower()),
                                post.reply.delivery_id, best)


def boards(slack: RecordingAdapter) -> list:  # type: ignore[type-arg]
    return slack.of_kind("table")


async def test_posted_once_on_the_board_day_just_after_that_days_drill(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service))  # Thursdays, drills Mon–Fri
    await answered_monday(app, service, clock, slack)
    when = MON.replace(hour=9)
    while when < MON + timedelta(days=7):
        await tick_at(service, clock, when)
        when += timedelta(minutes=30)
    [board] = boards(slack)
    assert board.target.channel == "C1" and board.target.thread is None
    table = board.reply
    assert isinstance(table, Table) and table.title.startswith("Leaderboard · This week")
    assert {row[1] for row in table.rows} == {"u1", "u2"}  # the workspace board, both members ranked
    assert table.image is not None and table.image.data.startswith(PNG)
    thursday_drill = slack.of_kind("channel")[3]  # Mon, Tue, Wed, Thu
    assert slack.sent.index(board) == slack.sent.index(thursday_drill) + 1  # right after that day's drill
    [row] = await service.ticker.store.board_posts(schedule.id)
    assert row.status == "sent" and SentRef.parse(row.message_ref) == board.ref
    assert row.claim_key == f"board:{schedule.id}:2026-03-02" and row.created_at == BOARD_AT


async def test_not_on_other_days_and_again_the_next_week(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service, days="daily"))
    await answered_monday(app, service, clock, slack)
    posted = []
    for day in range(1, 14):
        before = len(boards(slack))
        await tick_at(service, clock, MON + timedelta(days=day, hours=8, minutes=30))
        await tick_at(service, clock, MON + timedelta(days=day, hours=12))
        posted += [(MON + timedelta(days=day)).strftime("%a %d")] * (len(boards(slack)) - before)
    assert posted == ["Thu 05"]  # the second Thursday's board ("this week") has no answers: nothing is posted
    rows = await service.ticker.store.board_posts(schedule.id, limit=5)
    assert [(r.claim_key, r.status, r.last_error) for r in rows] == [
        (f"board:{schedule.id}:2026-03-09", "expired", "nobody had counted answers for the board; nothing was posted"),
        (f"board:{schedule.id}:2026-03-02", "sent", None)]


async def test_a_board_day_without_a_drill_still_posts_at_the_schedule_time(app, service, clock, slack) -> None:
    await board_on(service, await add_schedule(service, days="mon-wed"))
    await answered_monday(app, service, clock, slack)
    await tick_at(service, clock, BOARD_AT - timedelta(minutes=1))
    assert boards(slack) == []
    await tick_at(service, clock, BOARD_AT)
    assert len(boards(slack)) == 1 and len(slack.of_kind("channel")) == 1


async def test_two_tickers_on_one_database_post_it_once(app, service, settings, clock, library, slack) -> None:
    other = await open_app(settings, clock=clock, library=library)
    try:
        other_slack = RecordingAdapter("slack")
        other.adapters["slack"] = other_slack
        other_service = next(s for s in other.services if isinstance(s, SchedulerService))
        await board_on(service, await add_schedule(service))
        await answered_monday(app, service, clock, slack)
        clock.set(BOARD_AT)
        await asyncio.gather(service.tick(BOARD_AT), other_service.tick(BOARD_AT),
                             service.tick(BOARD_AT), other_service.tick(BOARD_AT))
        await asyncio.gather(service.tick(BOARD_AT + timedelta(minutes=1)), other_service.tick(BOARD_AT + timedelta(minutes=1)))
        assert len(boards(slack)) + len(boards(other_slack)) == 1
        assert len(slack.of_kind("channel")) + len(other_slack.of_kind("channel")) == 2  # Monday's and Thursday's
    finally:
        await other.close()


async def test_down_at_the_time_and_back_the_same_day_posts_it_on_return(app, service, clock, slack) -> None:
    await board_on(service, await add_schedule(service))
    await answered_monday(app, service, clock, slack)
    back = THU.replace(hour=13)  # 14:00 in Berlin; due at 09:30, the window closes at 17:30
    report = await tick_at(service, clock, back)
    assert report.boards_queued == 1 and len(boards(slack)) == 1
    for minutes in range(1, 600, 45):
        await tick_at(service, clock, back + timedelta(minutes=minutes))
    assert len(boards(slack)) == 1


async def test_back_after_the_window_or_on_a_later_day_posts_nothing(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service))
    await answered_monday(app, service, clock, slack)
    await tick_at(service, clock, THU.replace(hour=16, minute=30))  # 17:30 Berlin: the window has just closed
    await tick_at(service, clock, THU.replace(hour=23, minute=30))  # 00:30 Friday in Berlin
    await tick_at(service, clock, THU + timedelta(days=1, hours=8, minutes=30))
    assert boards(slack) == []
    assert await service.ticker.store.board_posts(schedule.id) == []


async def test_a_recorded_post_is_not_sent_after_local_midnight(app, service, clock, slack) -> None:
    # 20:00 with an 8 h window would close at 04:00; the board still ends with its day.
    schedule = await board_on(service, await add_schedule(service, at="20:00"))
    await answered_monday(app, service, clock, slack, at=MON.replace(hour=19))
    slack.fail = lambda target, reply: ConnectionError("503") if isinstance(reply, Table) else None
    await tick_at(service, clock, THU.replace(hour=19))  # 20:00 Berlin: recorded, the send fails
    slack.fail = None
    await tick_at(service, clock, THU.replace(hour=23, minute=1))  # 00:01 Friday in Berlin
    assert boards(slack) == []
    [row] = await service.ticker.store.board_posts(schedule.id)
    assert row.status == "expired" and row.expires_at == THU.replace(hour=23)


async def test_off_means_off_even_for_a_post_already_recorded(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service))
    await answered_monday(app, service, clock, slack)
    slack.fail = lambda target, reply: ConnectionError("503 from the platform") if isinstance(reply, Table) else None
    report = await tick_at(service, clock, BOARD_AT)
    assert report.boards_queued == 1 and report.retried == 1 and boards(slack) == []
    slack.fail = None
    await service.ticker.store.set_board(schedule.id, day=None, now=BOARD_AT)
    await tick_at(service, clock, BOARD_AT + timedelta(minutes=1))  # the retry is due: it finds the board off
    for day in range(1, 8):
        await tick_at(service, clock, BOARD_AT + timedelta(days=day))
    assert boards(slack) == []
    [row] = await service.ticker.store.board_posts(schedule.id)
    assert row.status == "expired" and row.last_error == "the weekly board was turned off before it was sent"


async def test_turned_on_after_this_weeks_time_starts_next_week(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service), now=BOARD_AT + timedelta(minutes=30))
    await answered_monday(app, service, clock, slack)
    await tick_at(service, clock, BOARD_AT + timedelta(hours=1))
    assert boards(slack) == []
    nxt = (await service.ticker.store.get_schedule(schedule.id))
    from bot.scheduling import planner

    assert planner.next_board_slot(nxt, BOARD_AT + timedelta(hours=1)).due_at == BOARD_AT + timedelta(days=7)


async def test_a_post_leased_by_a_dead_sender_goes_out_once_after_the_lease(app, service, clock, slack) -> None:
    schedule = await board_on(service, await add_schedule(service, days="mon"))
    await answered_monday(app, service, clock, slack)
    clock.set(BOARD_AT)
    assert await service.ticker.boards.queue_due([await service.ticker.store.get_schedule(schedule.id)], BOARD_AT) == 1
    leased = await service.ticker.store.claim_outbox(platforms={"slack"}, owner="gone:1:x",
                                                     lease_until=BOARD_AT + timedelta(seconds=60), now=BOARD_AT, limit=10)
    assert [r.kind for r in leased] == ["board"]
    await tick_at(service, clock, BOARD_AT + timedelta(seconds=30))
    assert boards(slack) == []
    await tick_at(service, clock, BOARD_AT + timedelta(seconds=61))
    await tick_at(service, clock, BOARD_AT + timedelta(minutes=5))
    assert len(boards(slack)) == 1


async def test_here_counts_only_this_channels_drills(app, service, clock, slack) -> None:
    await board_on(service, await add_schedule(service), here=True)
    await answered_monday(app, service, clock, slack)
    # An answer to another channel's drill: on the workspace board, not on this channel's.
    card = await app.engine.deal(app.library.active[0], kind="channel", platform="slack", space="T1", channel="C2")
    best = next(o.letter for o in card.options if "best" in o.text)
    await app.engine.answer(MemberRef(platform="slack", space="T1", user_id="U3", display_name="u3"), card.delivery_id, best)
    await tick_at(service, clock, BOARD_AT)
    [board] = boards(slack)
    assert board.reply.title.endswith("· this channel") and {r[1] for r in board.reply.rows} == {"u1", "u2"}
