"""A send-only Discord adapter (serve=False): REST login and sends, no gateway session."""

from __future__ import annotations

from adapters.discord_adapter import DiscordAdapter
from bot.ports import Target
from tests.discord.conftest import TOKEN
from tests.fakes import discord_payloads as D


async def test_send_only_adapter_posts_over_rest_without_a_gateway(app, fake_discord) -> None:  # type: ignore[no-untyped-def]
    adapter = DiscordAdapter(app.settings, app.router, token=TOKEN, api_base_url=fake_discord.api_base,
                             gateway_url=fake_discord.gateway_url, serve=False)
    await adapter.connect()
    try:
        drill = app.library.active[0]
        card = await app.engine.deal(drill, kind="channel", platform="discord", space=D.GUILD_ID, channel=D.CHANNEL_ID)
        ref = await adapter.send(Target(platform="discord", space=D.GUILD_ID, channel=D.CHANNEL_ID), card)
        reveal = await app.engine.reveal(card.delivery_id)
        await adapter.send(Target(platform="discord", space=D.GUILD_ID, channel=D.CHANNEL_ID, thread=ref.message_id), reveal)
    finally:
        await adapter.disconnect()
    [post] = fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages")
    assert all(c.startswith("sd:a:") for c in D.custom_ids(post.json))
    assert fake_discord.of("POST", rf"/channels/{D.CHANNEL_ID}/messages/{ref.message_id}/threads")
    assert fake_discord.identifies == [], "a send-only process must not open a gateway session"
