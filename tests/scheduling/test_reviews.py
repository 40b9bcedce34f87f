"""Review DMs by tick(now): wrong answers come back, N a day, never at night, never while paused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot import srs
from bot.content.loader import load_library
from bot.messages import DrillCard, MemberRef
from tests.drillgen import drill_dict
from tests.scheduling.conftest import add_schedule, tick_at

UTC = timezone.utc
SUN = datetime(2026, 3, 1, tzinfo=UTC)
MON = datetime(2026, 3, 2, tzinfo=UTC)


def member(user_id: str, tz: str | None = None) -> MemberRef:
    return MemberRef(platform="slack", space="T1", user_id=user_id, display_name=user_id, tz=tz)


async def miss(app, clock, who: MemberRef, drill_id: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    """`who` answers `drill_id` wrong at `at` (FSRS makes it due again a day later)."""
    clock.set(at)
    row = await app.store.ensure_member(who, now=at)
    card = await app.engine.deal(app.library.drills[drill_id], kind="on_demand", platform=who.platform,
                                 space=who.space, member_id=row.id)
    wrong = next(o.letter for o in card.options if "trap" in o.text)
    await app.engine.answer(who, card.delivery_id, wrong)


def dms_to(slack, user_id: str) -> list[DrillCard]:  # type: ignore[no-untyped-def]
    return [s.reply for s in slack.of_kind("review") if s.target.user_id == user_id]


async def test_a_wrong_answer_to_the_channel_drill_comes_back_by_dm_the_next_day(app, service, clock, slack) -> None:
    await add_schedule(service)  # 09:30 Europe/Berlin = 08:30 UTC in March
    await tick_at(service, clock, MON.replace(hour=8, minute=30))
    [post] = slack.of_kind("channel")
    best = next(o.letter for o in post.reply.options if "best" in o.text)
    wrong = next(o.letter for o in post.reply.options if "trap" in o.text)
    clock.set(MON.replace(hour=9))
    await app.engine.answer(member("Uwrong"), post.reply.delivery_id, wrong)
    await app.engine.answer(member("Uright"), post.reply.delivery_id, best)
    [card] = await app.store.cards_for("slack:T1:Uwrong")
    assert card.due == MON.replace(hour=9) + timedelta(days=1)  # FSRS: a miss is due again in a day
    [kept] = await app.store.cards_for("slack:T1:Uright")
    assert kept.due > MON + timedelta(days=2)

    await tick_at(service, clock, MON.replace(hour=16, minute=30))  # reveal; links members to the channel
    await tick_at(service, clock, MON + timedelta(days=1, hours=8, minutes=30))  # their review time, not yet due
    assert dms_to(slack, "Uwrong") == []
    await tick_at(service, clock, MON + timedelta(days=1, hours=9))
    [dm] = dms_to(slack, "Uwrong")
    assert dm.drill_id == post.reply.drill_id and dm.delivery_kind == "review"
    assert dm.footer == "review · due today"
    assert dms_to(slack, "Uright") == []
    target = next(s.target for s in slack.of_kind("review"))
    assert target.user_id == "Uwrong" and target.channel is None and target.platform == "slack"


async def test_at_most_n_review_dms_a_day_most_overdue_first(app, service, clock, slack) -> None:
    ids = sorted(app.library.drills)
    alice = member("Ualice")
    for i, drill_id in enumerate(ids[:5]):
        await miss(app, clock, alice, drill_id, SUN.replace(hour=6 + i))
    # No channel link and no zone: the default review time, 09:00 in SAGA_DRILLS_TZ (UTC here).
    await tick_at(service, clock, MON.replace(hour=8, minute=59))
    assert slack.sent == []
    await tick_at(service, clock, MON.replace(hour=12))
    assert [d.drill_id for d in dms_to(slack, "Ualice")] == ids[:3]
    assert dms_to(slack, "Ualice")[0].footer == "review · due today"
    for hour in (13, 16, 20):
        await tick_at(service, clock, MON.replace(hour=hour))
    assert len(dms_to(slack, "Ualice")) == 3
    await tick_at(service, clock, MON + timedelta(days=1, hours=9))
    tuesday = dms_to(slack, "Ualice")[3:]
    assert len(tuesday) == 3 and tuesday[0].footer == "review · due since Monday"


async def test_review_dms_never_arrive_at_night_in_the_members_zone(app, service, clock, slack) -> None:
    ny, tokyo = member("Uny", tz="America/New_York"), member("Utokyo", tz="Asia/Tokyo")
    drill_id = sorted(app.library.drills)[0]
    await miss(app, clock, ny, drill_id, SUN.replace(hour=1))
    await miss(app, clock, tokyo, drill_id, SUN.replace(hour=1))
    # Monday 03:00 UTC is 22:00 Sunday in New York and 12:00 Monday in Tokyo.
    await tick_at(service, clock, MON.replace(hour=3))
    assert dms_to(slack, "Uny") == [] and len(dms_to(slack, "Utokyo")) == 1
    for hour in (5, 9, 13):  # 00:00, 04:00, 08:00 in New York: quiet or before the 09:00 review time
        await tick_at(service, clock, MON.replace(hour=hour))
    assert dms_to(slack, "Uny") == []
    await tick_at(service, clock, MON.replace(hour=14))  # 09:00 in New York
    assert len(dms_to(slack, "Uny")) == 1


async def test_a_channel_time_inside_quiet_hours_moves_reviews_to_eight(app, service, clock, slack) -> None:
    schedule = await add_schedule(service, at="06:30", tz="UTC", days="daily")
    bob = member("Ubob")
    await tick_at(service, clock, SUN.replace(hour=6, minute=30))
    [post] = slack.of_kind("channel")
    wrong = next(o.letter for o in post.reply.options if "trap" in o.text)
    clock.set(SUN.replace(hour=6, minute=45))
    await app.engine.answer(bob, post.reply.delivery_id, wrong)
    await tick_at(service, clock, SUN.replace(hour=14, minute=30))  # reveal: bob now follows this channel
    assert schedule.id
    await tick_at(service, clock, MON.replace(hour=7, minute=59))
    assert dms_to(slack, "Ubob") == []
    await tick_at(service, clock, MON.replace(hour=8))
    assert len(dms_to(slack, "Ubob")) == 1


async def test_a_batch_not_sent_before_quiet_hours_is_dropped_not_sent_at_night(app, service, clock, slack) -> None:
    carol = member("Ucarol")
    await miss(app, clock, carol, sorted(app.library.drills)[0], SUN.replace(hour=1))
    slack.fail = lambda target, reply: ConnectionError("platform down")
    report = await tick_at(service, clock, MON.replace(hour=20, minute=50))
    assert report.review_batches == 1 and report.retried == 1
    slack.fail = None
    report = await tick_at(service, clock, MON.replace(hour=21, minute=1))
    assert report.expired == 1 and slack.sent == []
    await tick_at(service, clock, MON + timedelta(days=1, hours=9))
    assert len(dms_to(slack, "Ucarol")) == 1  # still due, so it comes the next morning


async def test_a_paused_member_gets_no_review_dms_until_the_pause_ends(app, service, clock, slack) -> None:
    dave = member("Udave")
    await miss(app, clock, dave, sorted(app.library.drills)[0], SUN.replace(hour=1))
    await app.store.set_paused(dave.key, MON + timedelta(days=1, hours=12))
    await tick_at(service, clock, MON.replace(hour=10))
    await tick_at(service, clock, MON + timedelta(days=1, hours=10))
    assert dms_to(slack, "Udave") == []
    await tick_at(service, clock, MON + timedelta(days=1, hours=12))
    assert len(dms_to(slack, "Udave")) == 1


async def test_retracted_drills_are_not_sent_as_reviews(app, service, clock, slack, pack) -> None:
    erin = member("Uerin")
    first, second = sorted(app.library.drills)[:2]
    await miss(app, clock, erin, first, SUN.replace(hour=1))
    await miss(app, clock, erin, second, SUN.replace(hour=2))
    data = drill_dict(first, app.library.drills[first].tier.value)
    data.update(retracted=True, retracted_reason="the snippet had a second bug")
    import yaml

    (pack / f"{first}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    app.engine.library = load_library([pack])
    await tick_at(service, clock, MON.replace(hour=10))
    assert [d.drill_id for d in dms_to(slack, "Uerin")] == [second]


async def test_forget_me_drops_the_members_pending_dms(app, service, clock, slack) -> None:
    frank = member("Ufrank")
    await miss(app, clock, frank, sorted(app.library.drills)[0], SUN.replace(hour=1))
    slack.fail = lambda target, reply: ConnectionError("platform down")
    await tick_at(service, clock, MON.replace(hour=10))
    assert (await service.ticker.store.outbox_counts()).get("pending") == 1
    await app.store.forget_member(frank.key)
    slack.fail = None
    await tick_at(service, clock, MON.replace(hour=11))
    assert slack.sent == [] and (await service.ticker.store.outbox_counts()).get("pending", 0) == 0


async def test_review_cards_due_are_what_the_engine_calls_due(app, service, clock) -> None:
    grace = member("Ugrace")
    drill_id = sorted(app.library.drills)[0]
    await miss(app, clock, grace, drill_id, SUN.replace(hour=1))
    [card] = await app.store.cards_for(grace.key)
    assert not srs.is_due(card, MON.replace(hour=0, minute=59)) and srs.is_due(card, MON.replace(hour=1))
