"""send(): channel posts, thread reveals, review DMs, charts, pacing and retries, against the strict fake."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest

from bot.messages import DrillCard, Image, MemberRef, OptionView, Reveal, Table
from bot.ports import SendFailed, SentRef, Target
from tests.fakes import slack_payloads as P


async def channel_card(app):  # type: ignore[no-untyped-def]
    drill = app.library.active[0]
    return await app.engine.deal(drill, kind="channel", platform="slack", space="T0SAGA", channel="C0DRILLS",
                                 footer="answers are private · the team reveal is at 17:00")


async def test_a_drill_card_goes_to_the_channel_and_its_reveal_into_the_thread(slack, fake_slack, app):
    card = await channel_card(app)
    ref = await slack.send(Target(platform="slack", space="T0SAGA", channel="C0DRILLS"), card)
    [post] = fake_slack.of("chat.postMessage")
    assert isinstance(ref, SentRef) and ref.platform == "slack" and ref.channel == "C0DRILLS"
    assert ref.message_id == "1772442000.000001" and "thread_ts" not in post.body  # the ts the fake answered
    assert post.body["channel"] == "C0DRILLS" and post.body["unfurl_links"] is False
    assert [b["value"] for b in P.answer_buttons(post.body["blocks"])] == [f"{card.delivery_id}:{o.letter}" for o in card.options]
    assert SentRef.parse(str(ref)) == ref

    reveal = await app.engine.reveal(card.delivery_id)
    assert isinstance(reveal, Reveal)
    await slack.send(Target(platform="slack", space="T0SAGA", channel=ref.channel, thread=ref.message_id), reveal)
    thread_post = fake_slack.of("chat.postMessage")[1]
    assert thread_post.body["thread_ts"] == ref.message_id and thread_post.body["channel"] == "C0DRILLS"
    text = " ".join(b["text"]["text"] for b in thread_post.body["blocks"] if b["type"] == "section")
    assert "*0 answers* from the team" in text and "Best answer" in text


async def test_a_review_drill_goes_by_direct_message(slack, fake_slack, app):
    bob = await app.store.ensure_member(MemberRef(platform="slack", space="T0SAGA", user_id="U0BOB"), now=app.engine.clock.now())
    card = await app.engine.deal(app.library.active[1], kind="review", platform="slack", space="T0SAGA", member_id=bob.id)
    ref = await slack.send(Target(platform="slack", space="T0SAGA", user_id="U0BOB"), card)
    await slack.send(Target(platform="slack", space="T0SAGA", user_id="U0BOB"), card)
    [opened] = fake_slack.of("conversations.open")  # the DM channel is looked up once
    assert opened.body["users"] == "U0BOB"
    assert ref.channel == "D0BOB" and [p.body["channel"] for p in fake_slack.of("chat.postMessage")] == ["D0BOB", "D0BOB"]


async def test_a_table_with_a_chart_posts_the_text_and_uploads_the_image(slack, fake_slack):
    png = b"\x89PNG\r\n\x1a\n" + bytes(300)
    table = Table(title="Leaderboard · this week", columns=("#", "member", "held"),
                  rows=(("1", "alice", "9"), ("2", "bob <b&b>", "7")), footer="opted-out members are hidden",
                  image=Image(filename="leaderboard.png", data=png, alt="bar chart of drills held"))
    await slack.send(Target(platform="slack", space="T0SAGA", channel="C0DRILLS"), table)
    [post] = fake_slack.of("chat.postMessage")
    code = post.body["blocks"][1]["text"]["text"]
    assert code.startswith("```#") and "bob &lt;b&amp;b&gt;" in code
    [upload] = fake_slack.of("upload")
    assert upload.body["bytes"] == len(png)
    [complete] = fake_slack.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0DRILLS"
    assert fake_slack.of("files.getUploadURLExternal")[0].body["alt_txt"] == "bar chart of drills held"


async def test_posts_to_one_channel_are_paced_without_holding_up_others(fake_slack, app, pace):
    from adapters.slack_adapter import SlackAdapter
    from adapters.slack_adapter.pacing import ChannelPacer

    gate = asyncio.Event()
    slept: list[float] = []

    async def held_sleep(seconds: float) -> None:
        slept.append(seconds)
        await gate.wait()
        pace.now += seconds

    adapter = SlackAdapter(app.settings, app.router, http_host="127.0.0.1", http_port=0,
                           pacer=ChannelPacer(monotonic=pace.monotonic, sleep=held_sleep))
    card = await channel_card(app)
    busy, other = Target(platform="slack", channel="C0BUSY"), Target(platform="slack", channel="C0OTHER")
    first = asyncio.create_task(adapter.send(busy, card))
    await fake_slack.wait_for("chat.postMessage", 1)
    second = asyncio.create_task(adapter.send(busy, card))  # must wait ~1 s: Slack's per-channel pace
    third = asyncio.create_task(adapter.send(other, card))  # a different channel goes straight on
    await fake_slack.wait_for("chat.postMessage", 2)
    assert [c.body["channel"] for c in fake_slack.of("chat.postMessage")] == ["C0BUSY", "C0OTHER"]
    assert slept == [1.0] and not second.done()
    gate.set()
    await asyncio.gather(first, second, third)
    assert [c.body["channel"] for c in fake_slack.of("chat.postMessage")] == ["C0BUSY", "C0OTHER", "C0BUSY"]


async def test_429_waits_out_retry_after_then_succeeds(slack, fake_slack, app, monkeypatch):
    from slack_sdk.http_retry import builtin_async_handlers

    waited: list[float] = []

    async def no_wait(seconds: float) -> None:
        waited.append(seconds)

    # slack-sdk's own handler sleeps Retry-After plus jitter; record the wait instead of spending it.
    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=no_wait))
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    fake_slack.fail("chat.postMessage", status=429, headers={"Retry-After": "7"})
    ref = await slack.send(Target(platform="slack", channel="C0DRILLS"), await channel_card(app))
    calls = fake_slack.of("chat.postMessage")
    assert len(calls) == 2 and waited == [7.0] and ref.message_id


async def test_server_errors_are_retried_and_refusals_are_reported(slack, fake_slack, app):
    card = await channel_card(app)
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    await slack.send(Target(platform="slack", channel="C0DRILLS"), card)
    assert len(fake_slack.of("chat.postMessage")) == 2
    fake_slack.fail("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SendFailed) as refused:
        await slack.send(Target(platform="slack", channel="C0GONE"), card)
    assert refused.value.permanent and "channel_not_found" in str(refused.value)
    fake_slack.fail("chat.postMessage", status=500, error="internal_error", times=3)
    with pytest.raises(SendFailed) as flaky:
        await slack.send(Target(platform="slack", channel="C0DRILLS"), card)
    assert not flaky.value.permanent
    with pytest.raises(SendFailed):
        await slack.send(Target(platform="slack"), card)


def long_card(code: str) -> DrillCard:
    return DrillCard(delivery_id="d" * 12, delivery_kind="channel", drill_id="long-snippet", title="A long snippet",
                     tier="Senior", minutes=9, language="go", code=code,
                     question="What breaks?", options=tuple(OptionView(letter=l, text=f"option {l}") for l in "ABCD"),
                     footer="answers are private")


async def test_a_long_snippet_is_split_into_sections_the_strict_fake_accepts(slack, fake_slack):
    lines = [f"if a{i} < b && c > d {{ s := \"```\" + `x` }} // line {i}" for i in range(400)]
    code = "\n".join(lines)
    await slack.send(Target(platform="slack", channel="C0DRILLS"), long_card(code))
    [post] = fake_slack.of("chat.postMessage")  # accepted: the fixture fails the test on any rejection
    sections = [b["text"]["text"] for b in post.body["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("```")]
    assert len(sections) >= 5 and all(len(s) <= 3000 for s in sections)
    # Nothing lost, nothing cut inside an entity: undo the fences, the guards and the escaping.
    chunks = [s[3:-3].replace("\u200b", "") for s in sections]
    assert all(not re.search(r"&[a-z]{0,3}$", c) for c in chunks)
    rebuilt = "\n".join(chunks).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert rebuilt == code


async def test_the_strict_fake_refuses_what_slack_refuses(slack, fake_slack):
    from slack_sdk.errors import SlackApiError

    fake_slack.allow_rejections = True
    with pytest.raises(SlackApiError) as refused:
        await slack.client.chat_postMessage(channel="C0DRILLS", text="x", blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert refused.value.response["error"] == "invalid_blocks"
    assert fake_slack.rejected and "3000" in fake_slack.rejected[0][1][0]


async def test_a_chart_that_cannot_be_uploaded_does_not_fail_the_posted_table(slack, fake_slack, caplog):
    fake_slack.fail("files.getUploadURLExternal", status=200, error="missing_scope")
    table = Table(title="Leaderboard", columns=("member",), rows=(("alice",),),
                  image=Image(filename="chart.png", data=b"\x89PNG", alt="chart"))
    ref = await slack.send(Target(platform="slack", channel="C0DRILLS"), table)
    assert ref.message_id and len(fake_slack.of("chat.postMessage")) == 1  # not re-posted, not raised
    assert any("not its chart" in r.getMessage() and "missing_scope" in r.getMessage() for r in caplog.records)
