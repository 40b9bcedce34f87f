"""The scheduler through the real Discord adapter: a daily post with persistent buttons, the reveal in a thread."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.scheduling.models import ScheduleSpec
from bot.scheduling.service import SchedulerService
from tests.discord.steps import interact, text_of
from tests.fakes import discord_payloads as D

MONDAY_0930_BERLIN = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)  # CET = UTC+1


async def test_daily_run_posts_through_discord_and_reveals_in_a_thread(adapter, fake_discord, app, clock) -> None:  # type: ignore[no-untyped-def]
    app.adapters["discord"] = adapter
    service = next(s for s in app.services if isinstance(s, SchedulerService))
    await service.ticker.store.upsert_schedule(
        ScheduleSpec.parse(at="09:30", tz="Europe/Berlin", days="mon-fri", window="8"), platform="discord",
        space=D.GUILD_ID, channel=D.CHANNEL_ID, created_by=None, now=datetime(2026, 1, 1, tzinfo=timezone.utc))

    clock.set(MONDAY_0930_BERLIN)
    await service.tick(MONDAY_0930_BERLIN)
    [post] = fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages")
    buttons = D.custom_ids(post.json)
    assert len(buttons) >= 3 and all(b.startswith("sd:a:") for b in buttons)
    posted = next(iter(fake_discord.messages.values()))
    _, feedback = await interact(fake_discord, D.button_click(buttons[0], posted))
    assert feedback.response["flags"] & 64 and "You chose A." in text_of(feedback.response)

    reveal_at = MONDAY_0930_BERLIN + timedelta(hours=8)
    clock.set(reveal_at)
    await service.tick(reveal_at)
    [thread] = fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages/{posted['id']}/threads")
    assert thread.status in (200, 201)
    [reveal] = fake_discord.of("POST", rf"/channels/{posted['id']}/messages")
    assert "1 answer (no names)" in text_of(reveal.json)
    await service.tick(reveal_at + timedelta(minutes=5))
    assert len(fake_discord.of("POST", rf"/channels/{posted['id']}/messages")) == 1, "the reveal posts once"
