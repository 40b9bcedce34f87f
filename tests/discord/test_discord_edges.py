"""Edges: acknowledge before slow work, a busy store, a lead role by id, a bad token, proxy URLs."""

from __future__ import annotations

import asyncio
import re

import discord
import pytest

from adapters.discord_adapter import DiscordAdapter
from adapters.discord_adapter.client import DISCORD_API, api_base, gateway_base
from bot.commands import CommandContext
from bot.messages import BUSY, Notice
from bot.ports import AdapterError
from bot.store import StoreBusy
from tests.discord.conftest import TOKEN
from tests.discord.steps import answers, interact, text_of
from tests.fakes import discord_payloads as D
from tests.fakes.discord_responses import error


async def test_the_interaction_is_acknowledged_before_slow_work(adapter, fake_discord, app):
    release = asyncio.Event()
    original = app.engine.next_drill

    async def slow_next(member):  # type: ignore[no-untyped-def]
        await release.wait()  # the engine is stuck until the test lets go
        return await original(member)

    app.engine.next_drill = slow_next  # type: ignore[method-assign]
    payload = D.slash_command("next")
    await fake_discord.dispatch("INTERACTION_CREATE", payload)
    token = re.escape(payload["token"])
    [callback] = await fake_discord.wait_for("POST", rf"/interactions/{payload['id']}/{token}/callback")
    assert callback.json == {"type": 5, "data": {"flags": 64}}  # acknowledged while the engine still works
    assert not fake_discord.of("PATCH", rf"/webhooks/{D.APP_ID}/{token}/messages/@original")
    release.set()
    [edit] = await fake_discord.wait_for("PATCH", rf"/webhooks/{D.APP_ID}/{token}/messages/@original")
    assert D.custom_ids(edit.response)


async def test_a_busy_store_is_a_private_notice_and_records_nothing(adapter, fake_discord, app):
    _, card = await interact(fake_discord, D.slash_command("next"))

    async def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreBusy("database is locked")

    app.engine.answer = busy  # type: ignore[method-assign]
    _, reply = await interact(fake_discord, D.button_click(D.custom_ids(card.response)[0], card.response))
    assert "busy" in text_of(reply.response) and "nothing was recorded" in text_of(reply.response)
    assert BUSY.text in text_of(reply.response), "the same words as Slack and the console"
    assert reply.response["flags"] & 64
    assert await answers(app) == []


async def test_a_failing_command_is_a_private_notice(adapter, fake_discord, app):
    async def broken(ctx: CommandContext, args: list[str]) -> Notice:
        raise RuntimeError("feature bug")

    app.router.register("broken", broken, usage="broken", summary="raises")
    _, reply = await interact(fake_discord, D.slash_command("do", [{"name": "words", "type": 3, "value": "broken"}]))
    assert "Something went wrong" in text_of(reply.response) and "feature bug" not in text_of(reply.response)


async def test_the_lead_role_may_be_given_by_id(make_adapter, fake_discord, app):
    await make_adapter(lead_role=D.LEAD_ROLE_ID)
    seen: list[bool] = []

    async def whoami(ctx: CommandContext, args: list[str]) -> Notice:
        seen.append(ctx.is_lead)
        return Notice(text="ok")

    app.router.register("whoami", whoami, usage="whoami", summary="test")
    words = [{"name": "words", "type": 3, "value": "whoami"}]
    await interact(fake_discord, D.slash_command("do", words, roles=[D.LEAD_ROLE_ID]))
    await interact(fake_discord, D.slash_command("do", words))
    assert seen == [True, False]


async def test_a_rejected_token_is_a_clear_error(app, fake_discord):
    fake_discord.override("GET", "/users/@me", lambda call: error(401, 0, "401: Unauthorized"))
    adapter = DiscordAdapter(app.settings, app.router, token=TOKEN, api_base_url=fake_discord.api_base, gateway_url=fake_discord.gateway_url)
    with pytest.raises(AdapterError, match="Discord rejected DISCORD_TOKEN") as raised:
        await adapter.connect()
    assert TOKEN not in str(raised.value)
    assert discord.http.Route.BASE == DISCORD_API  # routing undone
    with pytest.raises(AdapterError, match="DISCORD_TOKEN is not set"):
        await DiscordAdapter(app.settings, app.router).connect()


@pytest.mark.parametrize(("given", "expected"), [
    (None, "https://discord.com/api/v10"),
    ("http://proxy:8080", "http://proxy:8080/api/v10"),
    ("http://proxy:8080/", "http://proxy:8080/api/v10"),
    ("http://proxy:8080/api", "http://proxy:8080/api/v10"),
    ("https://proxy.internal/api/v10", "https://proxy.internal/api/v10"),
    ("https://proxy.internal/discord/api/v10/", "https://proxy.internal/discord/api/v10"),
])
def test_api_base_url_forms(given, expected):
    assert api_base(given) == expected


def test_bad_proxy_urls_are_refused_with_the_setting_name(app):
    with pytest.raises(ValueError, match="DISCORD_API_BASE_URL"):
        api_base("proxy:8080")
    with pytest.raises(ValueError, match="DISCORD_GATEWAY_URL"):
        gateway_base("http://proxy:8080")
    with pytest.raises(AdapterError, match="DISCORD_GATEWAY_URL"):
        DiscordAdapter(app.settings, app.router, token=TOKEN, gateway_url="https://gateway.example")


async def test_a_dm_click_on_an_unknown_delivery_says_so(adapter, fake_discord, app):
    ghost = "sd:a:doesnotexist:B"
    message = D.message(components=[{"type": 1, "components": [{"type": 2, "style": 2, "label": "B", "custom_id": ghost}]}])
    _, reply = await interact(fake_discord, D.button_click(ghost, message, in_dm=True))
    assert "can't find that drill" in text_of(reply.response)
    assert D.custom_ids(reply.response) == ["sd:c:next"]  # no server to stamp: the button says to use /drill there
    assert await answers(app) == []
