"""send(): the daily channel post, the reveal in its thread, review DMs, 429s and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.discord_adapter.sender import RequestPacer
from bot.messages import MemberRef
from bot.ports import SendFailed, SentRef, Target
from tests.discord.steps import answers, interact, text_of
from tests.fakes import discord_payloads as D
from tests.fakes.discord_responses import error

CHANNEL = rf"/channels/{D.CHANNEL_ID}/messages"


def target(**fields: str) -> Target:
    return Target(platform="discord", space=D.GUILD_ID, **fields)


async def channel_card(app):  # type: ignore[no-untyped-def]
    drill = app.library.active[0]
    return await app.engine.deal(drill, kind="channel", platform="discord", space=D.GUILD_ID, channel=D.CHANNEL_ID,
                                 closes_at=app.engine.clock.now() + timedelta(hours=8),
                                 footer="answers are private · the team reveal is at 17:00")


async def test_channel_post_carries_persistent_buttons_anyone_can_answer(adapter, fake_discord, app):
    card = await channel_card(app)
    ref = await adapter.send(target(channel=D.CHANNEL_ID), card)
    [post] = fake_discord.of("POST", CHANNEL)
    assert post.headers["Authorization"].startswith("Bot ")
    assert D.custom_ids(post.json) == [f"sd:a:{card.delivery_id}:{o.letter}" for o in card.options]
    assert "the team reveal is at 17:00" in text_of(post.json)
    assert ref == SentRef(platform="discord", channel=D.CHANNEL_ID, message_id=post.response["id"])

    posted = fake_discord.messages[ref.message_id]
    await interact(fake_discord, D.button_click(f"sd:a:{card.delivery_id}:A", posted))
    await interact(fake_discord, D.button_click(f"sd:a:{card.delivery_id}:B", posted, user_id=D.LEAD_ID, name="lin"))
    assert sorted(r.member for r in await answers(app)) == sorted(
        f"discord:{D.GUILD_ID}:{u}" for u in (D.MEMBER_ID, D.LEAD_ID))


async def test_reveal_goes_into_a_thread_on_the_post(adapter, fake_discord, app):
    card = await channel_card(app)
    ref = await adapter.send(target(channel=D.CHANNEL_ID), card)
    posted = fake_discord.messages[ref.message_id]
    await interact(fake_discord, D.button_click(f"sd:a:{card.delivery_id}:A", posted))
    reveal = await app.engine.reveal(card.delivery_id)

    in_thread = await adapter.send(target(channel=D.CHANNEL_ID, thread=ref.message_id), reveal)
    [start] = fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages/{ref.message_id}/threads")
    assert start.json["name"] == reveal.title[:100]
    [post] = fake_discord.of("POST", rf"/channels/{ref.message_id}/messages")
    assert in_thread.channel == ref.message_id  # a thread started from a message shares its id
    text = text_of(post.json)
    assert "1 answer (no names)" in text and "Best answer" in text and "Ada" not in text and "ada" not in text

    # Sending to the thread again (say, after a crash) posts in the existing one.
    again = await adapter.send(target(channel=D.CHANNEL_ID, thread=ref.message_id), reveal)
    assert fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages/{ref.message_id}/threads")[1].status == 400
    assert again.channel == ref.message_id
    assert len(fake_discord.of("POST", rf"/channels/{ref.message_id}/messages")) == 2


async def test_review_by_dm_is_answered_in_the_dm(adapter, fake_discord, app):
    member = MemberRef(platform="discord", space=D.GUILD_ID, user_id=D.MEMBER_ID, display_name="Ada")
    row = await app.store.ensure_member(member, now=app.engine.clock.now())
    drill = app.library.active[1]
    card = await app.engine.deal(drill, kind="review", platform="discord", space=D.GUILD_ID, member_id=row.id,
                                 footer="review · due since Tuesday")

    ref = await adapter.send(target(user_id=D.MEMBER_ID), card)
    [dm] = fake_discord.of("POST", "/users/@me/channels")
    assert dm.json == {"recipient_id": int(D.MEMBER_ID)}
    [post] = fake_discord.of("POST", rf"/channels/{ref.channel}/messages")
    assert ref.channel == dm.response["id"] and ref.message_id == post.response["id"]

    # In a DM, Discord does not say which server: the delivery does, so the answer counts for Ada.
    click = D.button_click(f"sd:a:{card.delivery_id}:A", fake_discord.messages[ref.message_id],
                           in_dm=True, dm_channel_id=ref.channel)
    _, edit = await interact(fake_discord, click)
    [answer] = await answers(app)
    assert answer.member == member.key and answer.delivery_kind == "review"
    assert D.custom_ids(edit.response) == [f"sd:c:next@{D.GUILD_ID}"]

    # "Continue the climb" from the DM runs /drill next for the same member.
    follow = D.button_click(f"sd:c:next@{D.GUILD_ID}", edit.response, in_dm=True, dm_channel_id=ref.channel)
    _, next_card = await interact(fake_discord, follow)
    delivery_id = D.custom_ids(next_card.response)[0].split(":")[2]
    assert (await app.store.get_delivery(delivery_id)).member_id == member.key


async def test_a_429_is_waited_out_and_retried(adapter, fake_discord, app):
    limited = fake_discord.rate_limit_once("POST", CHANNEL, retry_after=0.05)
    ref = await adapter.send(target(channel=D.CHANNEL_ID), await channel_card(app))
    posts = [c for c in fake_discord.calls if c.method == "POST" and c.path == CHANNEL]
    assert len(limited) == 1 and [c.status for c in posts] == [429, 200]
    assert ref.message_id == posts[1].response["id"]


async def test_refusals_become_send_failed(adapter, fake_discord, app):
    fake_discord.override("POST", r"/channels/\d+/messages", lambda call: error(403, 50007, "Cannot send messages to this user"))
    with pytest.raises(SendFailed) as closed:
        await adapter.send(target(user_id=D.MEMBER_ID), await channel_card(app))
    assert closed.value.permanent and "50007" in str(closed.value)
    with pytest.raises(SendFailed) as nowhere:
        await adapter.send(Target(platform="discord"), await channel_card(app))
    assert nowhere.value.permanent
    with pytest.raises(SendFailed):
        await adapter.send(target(channel="general"), await channel_card(app))


async def test_bulk_sends_are_paced_under_discords_global_limit():
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = RequestPacer(40.0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(200):
        await pacer.wait()
    # 200 requests take at least 199/40 s: never more than 40 in any second, below Discord's 50.
    assert now[0] == pytest.approx(199 / 40)
    assert len(slept) == 199
