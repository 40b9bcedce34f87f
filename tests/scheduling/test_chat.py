"""`/drill schedule set|off|show` through the shared router, as every adapter calls it."""

from __future__ import annotations

from bot.commands import CommandContext
from bot.messages import MemberRef, Notice, Table

LEAD = CommandContext(member=MemberRef(platform="slack", space="T1", user_id="ULEAD"), channel="C1", is_lead=True)
MEMBER = CommandContext(member=MemberRef(platform="slack", space="T1", user_id="UMEM"), channel="C1")


async def test_a_lead_sets_shows_and_turns_off_the_channel_schedule(app, service) -> None:
    reply = await app.router.handle(LEAD, "schedule set 09:30 Europe/Berlin mon-fri window 6")
    assert isinstance(reply, Notice) and reply.level == "info"
    assert "09:30 Europe/Berlin, Mon–Fri, reveal after 6 h" in reply.text and "Next post: Tue 03 Mar, 09:30" in reply.text
    schedule = await service.ticker.store.schedule_for_channel("slack", "C1")
    assert (schedule.space, schedule.window_minutes, schedule.created_by) == ("T1", 360, "slack:T1:ULEAD")

    shown = await app.router.handle(MEMBER, "schedule show")  # show is for everyone
    assert isinstance(shown, Table)
    assert shown.rows[0][:4] == ("09:30", "Europe/Berlin", "Mon–Fri", "6 h")

    again = await app.router.handle(LEAD, "schedule set 10:00 Europe/Berlin daily")
    assert "is now" in again.text
    assert (await service.ticker.store.schedule_for_channel("slack", "C1")).id == schedule.id

    off = await app.router.handle(LEAD, "schedule off")
    assert "off" in off.text and await service.ticker.store.schedule_for_channel("slack", "C1") is None
    none = await app.router.handle(MEMBER, "schedule")
    assert isinstance(none, Notice) and "no daily drill" in none.text


async def test_members_cannot_set_or_turn_off_a_schedule(app, service) -> None:
    for text in ("schedule set 09:30 Europe/Berlin", "schedule off"):
        reply = await app.router.handle(MEMBER, text)
        assert isinstance(reply, Notice) and reply.level == "warning" and "Only leads" in reply.text
    assert await service.ticker.store.schedules() == []


async def test_bad_input_gets_a_private_notice_naming_the_field(app, service) -> None:
    cases = {
        "schedule set 9h30 Europe/Berlin": "at: '9h30' is not a time of day",
        "schedule set 09:30 Berlin": "tz: 'Berlin' is not an IANA time zone",
        "schedule set 09:30 Europe/Berlin mon-fry": "days: 'mon-fry' is not a day",
        "schedule set 09:30 Europe/Berlin window 48": "window: '48' hours is out of range",
        "schedule set 09:30 Europe/Berlin window": "window: give the answer window in hours",
        "schedule set 09:30": "Give the time and the time zone",
        "schedule sometimes": "I don't know `schedule sometimes`",
    }
    for text, expected in cases.items():
        reply = await app.router.handle(LEAD, text)
        assert isinstance(reply, Notice) and reply.level == "warning", text
        assert expected in reply.text and "Usage: `/drill schedule set HH:MM ZONE" in reply.text, reply.text
    assert "(did you mean Europe/Berlin?)" in (await app.router.handle(LEAD, "schedule set 09:30 Berlin")).text
    assert await service.ticker.store.schedules() == []


async def test_schedule_needs_a_channel(app, service) -> None:
    dm = CommandContext(member=LEAD.member, channel=None, is_lead=True)
    reply = await app.router.handle(dm, "schedule set 09:30 UTC")
    assert isinstance(reply, Notice) and "in the channel" in reply.text
