"""The scheduler through the real Slack adapter: a daily post with buttons, a click, the reveal in its thread."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.messages import MemberRef
from bot.scheduling.models import ScheduleSpec
from bot.scheduling.service import SchedulerService
from tests.fakes import slack_payloads as P

MONDAY_0930_BERLIN = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)  # CET = UTC+1


async def test_daily_run_posts_through_slack_and_reveals_in_the_thread(app, slack, fake_slack, clock) -> None:  # type: ignore[no-untyped-def]
    service = next(s for s in app.services if isinstance(s, SchedulerService))
    await service.ticker.store.upsert_schedule(
        ScheduleSpec.parse(at="09:30", tz="Europe/Berlin", days="mon-fri", window="8"), platform="slack",
        space=slack.team_id, channel=P.CHANNEL, created_by=None, now=datetime(2026, 1, 1, tzinfo=timezone.utc))

    clock.set(MONDAY_0930_BERLIN)
    await service.tick(MONDAY_0930_BERLIN)
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.body["channel"] == P.CHANNEL and "thread_ts" not in post.body
    buttons = P.answer_buttons(post.body["blocks"])
    assert len(buttons) >= 3 and "the team reveal is at 17:30" in str(post.body["blocks"])

    delivery_id, _, letter = buttons[0]["value"].rpartition(":")
    for user in ("U1", "U2", "U3"):
        await app.engine.answer(MemberRef(platform="slack", space=slack.team_id, user_id=user), delivery_id, letter)
    await service.tick(MONDAY_0930_BERLIN + timedelta(minutes=1))  # nothing new: no second post
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 1

    reveal_at = MONDAY_0930_BERLIN + timedelta(hours=8)
    clock.set(reveal_at)
    await service.tick(reveal_at)
    posts = await fake_slack.wait_for("chat.postMessage", 2)
    reveal = posts[1].body
    assert reveal["channel"] == P.CHANNEL and reveal["thread_ts"] == "1772442000.000001"
    assert "3 answers" in str(reveal["blocks"])
    await service.tick(reveal_at + timedelta(minutes=5))
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 2, "the reveal posts once"
