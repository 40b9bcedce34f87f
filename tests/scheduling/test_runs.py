"""Daily runs driven by tick(now) on a fixed clock: weekdays, DST, catch-up, reveals, claims, leases."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

from bot.content.models import Tier
from bot.messages import MemberRef, Notice, Reveal
from bot.ports import SendFailed, SentRef
from bot.runtime import open_app
from bot.scheduling import planner
from bot.scheduling.service import SchedulerService
from tests.scheduling.conftest import add_schedule, tick_at
from tests.fakes.recording_adapter import RecordingAdapter

UTC = timezone.utc
MON = datetime(2026, 3, 2, tzinfo=UTC)  # Monday; Berlin is UTC+1, so 09:30 local is 08:30 UTC


async def _tick_range(service, clock, start, end, step):  # type: ignore[no-untyped-def]
    """Tick every `step` from start to end; return the instants at which a channel post went out."""
    posted, when, slack = [], start, service.app.adapters["slack"]
    while when <= end:
        before = len(slack.of_kind("channel"))
        await tick_at(service, clock, when)
        posted += [when] * (len(slack.of_kind("channel")) - before)
        when += step
    return posted


async def test_posts_only_on_the_scheduled_weekdays(service, clock) -> None:
    await add_schedule(service, days="mon,wed,fri")
    posted = await _tick_range(service, clock, MON, MON + timedelta(days=7) - timedelta(minutes=1), timedelta(minutes=30))
    assert [p.strftime("%a %H:%M") for p in posted] == ["Mon 08:30", "Wed 08:30", "Fri 08:30"]


async def test_spring_forward_neither_skips_nor_doubles_a_day(service, clock, slack) -> None:
    # Europe/Berlin jumps from 02:00 to 03:00 on Sunday 29 March 2026: 02:30 does not exist.
    await add_schedule(service, at="02:30", days="daily", channel="night")
    await add_schedule(service, at="09:30", days="mon-fri", channel="day")
    start = datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    await _tick_range(service, clock, start, datetime(2026, 3, 31, 12, 0, tzinfo=UTC), timedelta(minutes=15))
    posts = {ch: [s for s in slack.of_kind("channel") if s.target.channel == ch] for ch in ("night", "day")}
    night_runs = [(r.local_date, r.due_at) for r in reversed(await service.ticker.store.runs_for(
        (await service.ticker.store.schedule_for_channel("slack", "night")).id, limit=10))]
    assert len(posts["night"]) == 5
    assert night_runs == [
        (date(2026, 3, 27), datetime(2026, 3, 27, 1, 30, tzinfo=UTC)),
        (date(2026, 3, 28), datetime(2026, 3, 28, 1, 30, tzinfo=UTC)),
        (date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # 03:30 CEST, once
        (date(2026, 3, 30), datetime(2026, 3, 30, 0, 30, tzinfo=UTC)),
        (date(2026, 3, 31), datetime(2026, 3, 31, 0, 30, tzinfo=UTC)),
    ]
    # 09:30 local stays 09:30 local: 08:30 UTC on Friday, 07:30 UTC from Monday.
    assert len(posts["day"]) == 3
    day_runs = await service.ticker.store.runs_for((await service.ticker.store.schedule_for_channel("slack", "day")).id, limit=5)
    assert sorted(r.due_at.strftime("%a %H:%M") for r in day_runs) == ["Fri 08:30", "Mon 07:30", "Tue 07:30"]


async def test_fall_back_runs_a_repeated_local_time_once(service, clock, slack) -> None:
    # Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    schedule = await add_schedule(service, at="02:30", days="daily")
    start = datetime(2026, 10, 23, 22, 0, tzinfo=UTC)
    posted = await _tick_range(service, clock, start, datetime(2026, 10, 26, 3, 0, tzinfo=UTC), timedelta(minutes=15))
    assert posted == [datetime(2026, 10, 24, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                      datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]
    # APScheduler's cron trigger wakes us at both 02:30s; the second wake-up finds the day claimed.
    report = await tick_at(service, clock, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert report.runs_started == 0
    runs = await service.ticker.store.runs_for(schedule.id, limit=10)
    assert sorted(r.local_date for r in runs) == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]


async def test_down_at_the_post_time_and_back_the_same_day_posts_once_on_return(service, clock, slack) -> None:
    await add_schedule(service)
    back = MON.replace(hour=10)  # 11:00 in Berlin; the post was due at 09:30
    report = await tick_at(service, clock, back)
    assert report.runs_started == 1
    [post] = slack.of_kind("channel")
    assert post.reply.footer == "answers are private · the team reveal is at 17:30"  # the window is not extended
    for minutes in range(1, 300, 30):
        await tick_at(service, clock, back + timedelta(minutes=minutes))
    assert len(slack.of_kind("channel")) == 1


async def test_down_all_day_does_not_post_yesterdays_drill(service, clock, slack) -> None:
    schedule = await add_schedule(service)
    await tick_at(service, clock, MON.replace(hour=17))  # 18:00 local: Monday's window has closed
    await tick_at(service, clock, MON + timedelta(days=1, hours=7))  # Tuesday 08:00 local
    assert slack.sent == []
    assert await service.ticker.store.get_run(schedule.id, date(2026, 3, 2)) is None
    await tick_at(service, clock, MON + timedelta(days=1, hours=8, minutes=30))
    [post] = slack.of_kind("channel")
    assert (await service.ticker.store.runs_for(schedule.id))[0].local_date == date(2026, 3, 3)


async def test_a_schedule_set_after_todays_time_starts_tomorrow(service, clock, slack) -> None:
    await add_schedule(service, now=MON.replace(hour=10))  # a lead sets 09:30 at 11:00 local
    await tick_at(service, clock, MON.replace(hour=10, minute=1))
    assert slack.sent == []
    await tick_at(service, clock, MON + timedelta(days=1, hours=8, minutes=30))
    assert len(slack.of_kind("channel")) == 1


async def test_reveal_is_posted_once_in_the_thread_when_the_window_closes(app, service, clock, slack) -> None:
    await add_schedule(service, window="6")
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    [post] = slack.of_kind("channel")
    best = next(o.letter for o in post.reply.options if "best" in o.text)
    wrong = next(o.letter for o in post.reply.options if "trap" in o.text)
    for i, letter in enumerate([best, wrong, wrong]):
        member = MemberRef(platform="slack", space="T1", user_id=f"U{i}")
        await app.engine.answer(member, post.reply.delivery_id, letter)

    await tick_at(service, clock, MON.replace(hour=14, minute=29))
    assert slack.of_kind("reveal") == []
    await tick_at(service, clock, MON.replace(hour=14, minute=30))  # 09:30 + 6 h, in UTC
    [reveal] = slack.of_kind("reveal")
    assert reveal.target.channel == "C1" and reveal.target.thread == post.ref.message_id
    assert isinstance(reveal.reply, Reveal) and reveal.reply.total == 3
    for minutes in (1, 30, 600):
        await tick_at(service, clock, MON.replace(hour=14, minute=30) + timedelta(minutes=minutes))
    assert len(slack.of_kind("reveal")) == 1
    assert (await app.store.get_delivery(post.reply.delivery_id)).closed_at is not None
    late = await app.engine.answer(MemberRef(platform="slack", space="T1", user_id="U9"), post.reply.delivery_id, best)
    assert isinstance(late, Notice) and "closed" in late.text


async def test_a_reveal_more_than_twelve_hours_late_is_closed_silently(app, service, clock, slack) -> None:
    schedule = await add_schedule(service)
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    await tick_at(service, clock, MON + timedelta(days=1, hours=5))  # back 12.5 h after the 16:30 UTC close
    assert slack.of_kind("reveal") == []
    run = await service.ticker.store.get_run(schedule.id, date(2026, 3, 2))
    assert run.status == "closed"
    assert (await app.store.get_delivery(run.delivery_id)).closed_at is not None


async def test_a_reveal_a_few_hours_late_is_still_posted(service, clock, slack) -> None:
    await add_schedule(service)
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    await tick_at(service, clock, MON.replace(hour=20))  # down from the post until 21:00 local
    assert len(slack.of_kind("reveal")) == 1


async def test_removing_a_schedule_keeps_the_open_runs_reveal(service, clock, slack) -> None:
    schedule = await add_schedule(service)
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    assert await service.ticker.store.remove_schedule(schedule.id)
    await tick_at(service, clock, MON.replace(hour=16, minute=30))
    assert len(slack.of_kind("reveal")) == 1
    await tick_at(service, clock, MON + timedelta(days=1, hours=8, minutes=30))
    assert len(slack.of_kind("channel")) == 1


async def test_no_drill_repeats_until_the_pack_is_used_up_and_tiers_take_turns(app, service, clock, slack) -> None:
    await add_schedule(service, days="daily")
    for day in range(13):
        await tick_at(service, clock, MON + timedelta(days=day, hours=8, minutes=30))
    drills = [s.reply.drill_id for s in slack.of_kind("channel")]
    tiers = [app.library.drills[d].tier for d in drills]
    assert len(drills) == 13
    assert len(set(drills[:6])) == 6 and len(set(drills[6:12])) == 6  # six drills in the pack
    assert drills[6] != drills[5]  # a new cycle never opens with yesterday's drill
    assert tiers[:6] == [Tier.junior, Tier.middle, Tier.senior] * 2


async def test_a_run_claimed_by_a_dead_process_is_taken_over_after_its_lease(service, clock, slack) -> None:
    schedule = await add_schedule(service)
    t = MON.replace(hour=8, minute=30)
    slot = planner.due_slot(schedule, t)
    dead = await service.ticker.store.claim_run(schedule, local_date=slot.local_date, due_at=slot.due_at,
                                                closes_at=slot.closes_at, owner="gone:1:x",
                                                lease_until=t + timedelta(seconds=60), now=t)
    assert dead is not None
    report = await tick_at(service, clock, t + timedelta(seconds=59))
    assert report.runs_started == report.runs_resumed == 0 and slack.sent == []
    report = await tick_at(service, clock, t + timedelta(seconds=60))
    assert report.runs_resumed == 1
    await tick_at(service, clock, t + timedelta(minutes=5))
    assert len(slack.of_kind("channel")) == 1
    assert (await service.ticker.store.get_run(schedule.id, slot.local_date)).id == dead.id


async def test_messages_leased_by_a_dead_sender_go_out_once_after_the_lease(service, clock, slack) -> None:
    schedule = await add_schedule(service)
    t = MON.replace(hour=8, minute=30)
    clock.set(t)
    assert await service.ticker.runs.start_due([schedule], t) == 1  # recorded, not sent
    leased = await service.ticker.store.claim_outbox(platforms={"slack"}, owner="gone:1:x",
                                                     lease_until=t + timedelta(seconds=60), now=t, limit=10)
    assert [r.kind for r in leased] == ["channel"]
    await tick_at(service, clock, t + timedelta(seconds=30))
    assert slack.sent == []
    await tick_at(service, clock, t + timedelta(seconds=61))
    await tick_at(service, clock, t + timedelta(seconds=120))
    assert len(slack.of_kind("channel")) == 1


async def test_two_apps_on_one_file_claiming_at_once_post_once(app, service, settings, clock, library, slack) -> None:
    other = await open_app(settings, clock=clock, library=library)
    try:
        other_slack = RecordingAdapter("slack")
        other.adapters["slack"] = other_slack
        other_service = next(s for s in other.services if isinstance(s, SchedulerService))
        schedule = await add_schedule(service)
        t = MON.replace(hour=8, minute=30)
        clock.set(t)
        slot = planner.due_slot(schedule, t)
        stores = [service.ticker.store, other_service.ticker.store] * 5
        claims = await asyncio.gather(*(s.claim_run(schedule, local_date=slot.local_date, due_at=slot.due_at,
                                                    closes_at=slot.closes_at, owner=f"o{i}", lease_until=t, now=t)
                                        for i, s in enumerate(stores)))
        assert sum(c is not None for c in claims) == 1
        await service.ticker.store.set_run_status(next(c for c in claims if c).id, "missed", expected=["claimed"], now=t)

        # And whole ticks racing each other on the next day.
        t2 = t + timedelta(days=1)
        clock.set(t2)
        await asyncio.gather(service.tick(t2), other_service.tick(t2), service.tick(t2), other_service.tick(t2))
        assert len(slack.of_kind("channel")) + len(other_slack.of_kind("channel")) == 1
    finally:
        await other.close()


async def test_run_now_twice_posts_once_and_the_scheduled_time_adds_nothing(service, clock, slack) -> None:
    schedule = await add_schedule(service)
    t = MON.replace(hour=7)  # before the 09:30 post
    clock.set(t)
    first = await service.ticker.runs.run_now(schedule, t)
    second = await service.ticker.runs.run_now(schedule, t + timedelta(minutes=1))
    assert first.claimed and not second.claimed and first.run.id == second.run.id
    assert first.run.closes_at == t + timedelta(hours=8)
    await tick_at(service, clock, t)
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    assert len(slack.of_kind("channel")) == 1


async def test_a_failed_send_is_retried_later_and_a_permanent_failure_is_not(app, service, clock, slack) -> None:
    calls: list[str] = []

    def flaky(target, reply):  # type: ignore[no-untyped-def]
        calls.append(target.channel or "")
        if target.channel == "C1" and calls.count("C1") == 1:
            return ConnectionError("503 from the platform")
        if target.channel == "C2":
            return SendFailed("not_in_channel", permanent=True)
        return None

    slack.fail = flaky
    await add_schedule(service, channel="C1")
    await add_schedule(service, channel="C2")
    t = MON.replace(hour=8, minute=30)
    report = await tick_at(service, clock, t)
    assert report.retried == 1 and report.failed == 1 and slack.sent == []
    await tick_at(service, clock, t + timedelta(seconds=29))
    assert slack.sent == []
    await tick_at(service, clock, t + timedelta(seconds=30))
    assert [s.target.channel for s in slack.of_kind("channel")] == ["C1"]
    await tick_at(service, clock, MON.replace(hour=16, minute=30))
    assert [s.target.channel for s in slack.of_kind("reveal")] == ["C1"]  # C2's post never went out
    c2 = await service.ticker.store.schedule_for_channel("slack", "C2")
    assert (await service.ticker.store.runs_for(c2.id))[0].status == "missed"
    assert calls.count("C2") == 1
    sends = {s.labels["result"]: s.value for m in app.metrics.registry.collect() if m.name == "saga_drills_sends"
             for s in m.samples if s.name.endswith("_total")}
    assert sends == {"retried": 1, "failed": 1, "sent": 2}  # /metrics: C1's post after its retry, and its reveal


async def test_the_posts_message_ref_is_stored_once_on_its_outbox_row(app, service, clock, slack) -> None:
    await add_schedule(service)
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    [post] = slack.of_kind("channel")
    [(_, row)] = await service.ticker.store.runs_to_reveal(MON.replace(hour=17))
    assert row is not None and row.status == "sent" and SentRef.parse(row.message_ref) == post.ref
    delivery = await app.store.get_delivery(post.reply.delivery_id)
    assert delivery.message_ref is None  # one fact, one place: not copied onto the delivery
    assert delivery.kind == "channel" and delivery.channel == "C1"
    assert delivery.closes_at == MON.replace(hour=16, minute=30)
