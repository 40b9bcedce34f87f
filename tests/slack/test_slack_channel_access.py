"""`/drill schedule set` and "Post to channel" make sure the bot can post and upload there, and say so."""

from __future__ import annotations

from tests.fakes import slack_payloads as P
from tests.slack.test_slack_private_chart import said, seed_answers


async def lead_says(slack_http, fake_slack, text: str, *, channel: str = P.CHANNEL, key: str = "r") -> str:  # type: ignore[no-untyped-def]
    before = len(fake_slack.of("response_url"))
    body, ctype = P.form(P.slash_command(text, response_url=fake_slack.response_url(key), user="U0ADMIN",
                                         user_name="ada", channel=channel))
    assert (await slack_http.post(body, ctype)).status == 200
    calls = await fake_slack.wait_for("response_url", before + 1)
    return said(calls[-1].body)


async def test_schedule_set_joins_a_public_channel_once_and_says_so(slack_http, fake_slack, app) -> None:
    reply = await lead_says(slack_http, fake_slack, "schedule set 09:30 Europe/Berlin", key="s1")
    assert "The daily drill here is on" in reply and "I joined this channel" in reply
    assert [c.body["channel"] for c in fake_slack.of("conversations.join")] == [P.CHANNEL]
    assert P.CHANNEL in fake_slack.joined
    again = await lead_says(slack_http, fake_slack, "schedule set 10:00 Europe/Berlin", key="s2")
    assert "The daily drill here is now" in again and "joined" not in again  # already a member: nothing to say
    assert await app.schedules.schedule_for_channel("slack", P.CHANNEL) is not None


async def test_schedule_set_in_a_private_channel_tells_the_lead_to_invite_the_bot(slack_http, fake_slack, app) -> None:
    fake_slack.private_channels.add("G0SECRET")
    reply = await lead_says(slack_http, fake_slack, "schedule set 09:30 UTC", channel="G0SECRET")
    assert "The daily drill here is on" in reply  # the schedule is kept: the invite may follow
    assert "private channel" in reply and "/invite @Saga Drills" in reply
    assert await app.schedules.schedule_for_channel("slack", "G0SECRET") is not None


async def test_without_the_join_scope_the_reply_says_how_to_fix_it(slack_http, fake_slack, app) -> None:
    fake_slack.allow_rejections = True
    fake_slack.fail("conversations.join", status=200, error="missing_scope")
    reply = await lead_says(slack_http, fake_slack, "schedule set 09:30 UTC")
    assert "channels:join" in reply and "saga-drills slack manifest" in reply and "/invite @Saga Drills" in reply


async def test_post_to_channel_joins_first_so_the_chart_upload_lands(slack_http, fake_slack, app) -> None:
    fake_slack.enforce_membership = True  # as Slack: uploads only where the bot is a member
    await seed_answers(app)
    reply = await lead_says(slack_http, fake_slack, "leaderboard post all")
    assert "Posted the leaderboard" in reply and "I joined this channel" in reply
    shared = [f for f in fake_slack.files.values() if f["channel"] == P.CHANNEL]
    assert len(shared) == 1 and shared[0]["data"] is not None  # the picture arrived with the board


async def test_post_to_an_archived_channel_sends_nothing(slack_http, fake_slack, app) -> None:
    fake_slack.allow_rejections = True
    fake_slack.fail("conversations.join", status=200, error="is_archived")
    await seed_answers(app)
    reply = await lead_says(slack_http, fake_slack, "leaderboard post all")
    assert "Nothing was posted: This channel is archived" in reply
    assert fake_slack.of("chat.postMessage") == []
