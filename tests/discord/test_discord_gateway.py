"""The adapter over a full discord.py client.start() against the fake gateway: commands, clicks, restarts."""

from __future__ import annotations

import re

import discord
import pytest

from adapters.discord_adapter.client import DISCORD_API, DISCORD_GATEWAY
from bot.commands import CommandContext
from bot.messages import Notice
from tests.discord.conftest import TOKEN
from tests.discord.steps import answers, immediate, interact, text_of
from tests.fakes import discord_payloads as D
from tests.fakes.fake_discord import FakeDiscord

ANSWER_ID = re.compile(r"sd:a:(?P<delivery>[A-Za-z0-9_-]{1,64}):(?P<letter>[A-E])")


async def deal(fake: FakeDiscord, **who: object) -> dict:
    """`/drill next`; returns the card message as the fake stored it."""
    callback, edit = await interact(fake, D.slash_command("next", **who))
    assert callback.json == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral, within the 3 s
    return edit.response


async def test_handshake_identifies_with_no_privileged_intents(make_adapter, fake_discord):
    fake_discord.heartbeat_interval_ms = 20  # so a heartbeat arrives during the test
    adapter = await make_adapter()
    identify = await fake_discord.wait_identified()
    assert identify["d"]["token"] == TOKEN
    assert identify["d"]["intents"] == discord.Intents(guilds=True).value == 1
    assert fake_discord.gateway_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert adapter.client.get_guild(int(D.GUILD_ID)).name == "Saga Guild"
    me = fake_discord.of("GET", "/users/@me")[0]
    assert me.headers["Authorization"] == f"Bot {TOKEN}"
    await fake_discord.wait_frames(op=1)  # discord.py heartbeats and the fake acknowledges
    # Commands are not synced on start: a restart costs no command API calls.
    assert not [c for c in fake_discord.calls if c.path.endswith("/commands")]


async def test_drill_next_replies_with_one_button_per_option(adapter, fake_discord, app):
    card = await deal(fake_discord)
    ids = D.custom_ids(card)
    assert card["flags"] & 64  # only the member sees their drill
    matches = [ANSWER_ID.fullmatch(i) for i in ids]
    assert all(matches) and len({m["delivery"] for m in matches}) == 1
    assert [m["letter"] for m in matches] == list("ABCDE"[: len(ids)])
    assert [b["label"] for row in card["components"] for b in row["components"]] == list("ABCDE"[: len(ids)])
    delivery = await app.store.get_delivery(matches[0]["delivery"])
    drill = app.library.drills[delivery.drill_id]
    assert len(ids) == len(drill.options)
    text = text_of(card)
    assert drill.title in text and drill.question in text and f"```{drill.snippet.language}" in text
    assert all(f"**{letter}.**" in text for letter in "ABCDE"[: len(ids)])


async def test_click_records_the_answer_and_replies_privately(adapter, fake_discord, app):
    card = await deal(fake_discord)
    custom_id = D.custom_ids(card)[1]
    callback, edit = await interact(fake_discord, D.button_click(custom_id, card))
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    assert edit.response["flags"] & 64
    [row] = await answers(app)
    assert row.member == f"discord:{D.GUILD_ID}:{D.MEMBER_ID}" and row.platform == "discord"
    delivery = await app.store.get_delivery(ANSWER_ID.fullmatch(custom_id)["delivery"])
    assert row.option_index == delivery.option_order[1]
    verdict = "✅ **Right**" if row.correct else "❌ **Not this time**"
    assert verdict in text_of(edit.response)
    # Continue the climb, and under a right answer "I guessed" for this delivery.
    assert D.custom_ids(edit.response) == ["sd:c:next"] + ([f"sd:c:guessed {delivery.id}"] if row.correct else [])

    # A double click counts once and says so.
    _, again = await interact(fake_discord, D.button_click(custom_id, card))
    assert "first answer is the one that counts" in text_of(again.response)
    assert len(await answers(app)) == 1


async def test_a_button_from_before_a_restart_still_works(make_adapter, fake_discord, app):
    first = await make_adapter()
    card = await deal(fake_discord)
    await first.disconnect()
    assert first.client.is_closed()

    await make_adapter()  # a new client on the same database
    await fake_discord.wait_identified(2)
    _, edit = await interact(fake_discord, D.button_click(D.custom_ids(card)[0], card))
    [row] = await answers(app)
    assert row.member.endswith(D.MEMBER_ID)
    assert ("Right" in text_of(edit.response)) == row.correct


async def test_unknown_button_gets_a_private_notice(adapter, fake_discord, app):
    stale = D.message(content="an old bot's message", components=[
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "Go", "custom_id": "quiz:q42:2"}]}])
    callback = await immediate(fake_discord, D.button_click("quiz:q42:2", stale))
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] == 64
    assert "nothing was recorded" in text_of(callback.json["data"])
    assert await answers(app) == []


async def test_malformed_payloads_crash_nothing_and_write_nothing(adapter, fake_discord, app):
    card = await deal(fake_discord)
    good_id = D.custom_ids(card)[0]
    deliveries_before = await _count(app, "deliveries")

    # A frame discord.py cannot parse (no token, no data): dropped, the gateway stays up.
    broken = D.button_click(good_id, card)
    del broken["token"], broken["data"]
    await fake_discord.dispatch("INTERACTION_CREATE", broken)
    # Our button id on a message that does not carry it: discord.py would drop it silently.
    forged = await immediate(fake_discord, D.button_click(good_id, D.message(content="no buttons here")))
    assert "nothing was recorded" in text_of(forged.json["data"])
    # A well-formed id for a delivery that does not exist, and a letter past the options.
    ghost = "sd:a:doesnotexist:A"
    ghost_card = D.message(components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "A", "custom_id": ghost}]}])
    _, ghost_reply = await interact(fake_discord, D.button_click(ghost, ghost_card))
    assert "nothing was recorded" in text_of(ghost_reply.response)
    letters = len(D.custom_ids(card))
    past = f"{good_id[:-1]}{'ABCDE'[letters]}" if letters < 5 else None
    if past:
        past_card = D.message(components=[{"type": 1, "components": [
            {"type": 2, "style": 2, "label": "?", "custom_id": past}]}])
        _, past_reply = await interact(fake_discord, D.button_click(past, past_card))
        assert "nothing was recorded" in text_of(past_reply.response)
    # A slash command option of the wrong type.
    bad_days = await immediate(fake_discord, D.slash_command("pause", [{"name": "days", "type": 4, "value": "soon"}]))
    assert bad_days.json["data"]["flags"] == 64

    assert await answers(app) == []
    assert await _count(app, "deliveries") == deliveries_before
    assert not adapter.client.is_closed()
    await deal(fake_discord)  # and the bot still answers


async def test_lead_only_words_are_checked_on_every_call(adapter, fake_discord, app):
    ran: list[CommandContext] = []

    async def secret(ctx: CommandContext, args: list[str]) -> Notice:
        ran.append(ctx)
        return Notice(text="lead thing done")

    app.router.register("secret", secret, usage="secret", summary="a lead-only test word", lead_only=True)
    words = [{"name": "words", "type": 3, "value": "secret"}]

    _, refused = await interact(fake_discord, D.slash_command("do", words))
    assert "Only leads" in text_of(refused.response) and ran == []

    _, manager = await interact(fake_discord, D.slash_command("do", words, permissions=D.VIEW_AND_SEND | D.MANAGE_GUILD))
    assert "lead thing done" in text_of(manager.response)

    _, by_role = await interact(fake_discord, D.slash_command("do", words, user_id=D.LEAD_ID, roles=[D.LEAD_ROLE_ID]))
    assert "lead thing done" in text_of(by_role.response)
    assert [c.is_lead for c in ran] == [True, True]
    assert ran[0].channel == D.CHANNEL_ID

    _, again = await interact(fake_discord, D.slash_command("do", words))  # the right is not remembered
    assert "Only leads" in text_of(again.response) and len(ran) == 2


async def test_every_subcommand_reaches_the_router(adapter, fake_discord, app):
    seen: list[str] = []
    original = app.router.handle

    async def spy(ctx: CommandContext, text: str):  # type: ignore[no-untyped-def]
        seen.append(text)
        return await original(ctx, text)

    app.router.handle = spy  # type: ignore[method-assign]
    cases = [("stats", []), ("leaderboard", [{"name": "period", "type": 3, "value": "week"}]),
             ("schedule", [{"name": "args", "type": 3, "value": "set 09:30 Europe/Berlin mon-fri"}]),
             ("pause", [{"name": "days", "type": 4, "value": 7}]), ("resume", []), ("optout", []), ("optin", []),
             ("forget-me", []), ("help", []), ("do", [{"name": "words", "type": 3, "value": "/drill season start Q1"}])]
    for sub, options in cases:
        _, edit = await interact(fake_discord, D.slash_command(sub, options))
        assert edit.response["flags"] & 64
    assert seen == ["stats", "leaderboard week", "schedule set 09:30 Europe/Berlin mon-fri", "pause 7", "resume",
                    "optout", "optin", "forget-me", "help", "season start Q1"]


async def test_oversized_message_fails_at_the_fake_like_discord(adapter, fake_discord):
    channel = adapter.client.get_channel(int(D.CHANNEL_ID))
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)  # discord.py itself does not check the length
    assert raised.value.status == 400 and raised.value.code == 50035


async def test_routing_is_restored_after_disconnect(make_adapter, fake_discord):
    adapter = await make_adapter()
    assert discord.http.Route.BASE == fake_discord.api_base
    await adapter.disconnect()
    await adapter.disconnect()  # twice is fine
    assert discord.http.Route.BASE == DISCORD_API
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == DISCORD_GATEWAY


async def _count(app, table: str) -> int:  # type: ignore[no-untyped-def]
    async with app.store.db.reading() as conn:
        cursor = await conn.execute(f"SELECT COUNT(*) FROM {table}")
        return (await cursor.fetchone())[0]


async def test_a_server_outside_discord_guild_ids_is_refused_politely_and_nothing_is_recorded(make_adapter, fake_discord, app):
    await make_adapter(guild_ids=(int(D.GUILD_ID) + 1,))  # the fake's server is not one we serve
    callback = await immediate(fake_discord, D.slash_command("next"))
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] == 64  # answered at once, privately
    assert "not set up for this server" in text_of(callback.json["data"])
    assert await answers(app) == []
    async with app.store.db.reading() as conn:
        assert (await (await conn.execute("SELECT COUNT(*) FROM deliveries")).fetchone())[0] == 0


async def test_a_server_in_discord_guild_ids_is_served(make_adapter, fake_discord):
    await make_adapter(guild_ids=(int(D.GUILD_ID),))
    card = await deal(fake_discord)
    assert ANSWER_ID.search(str(card))
