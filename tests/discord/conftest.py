"""Fixtures for the Discord adapter: a fake Discord on 127.0.0.1 and the real adapter connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.fakes import discord_payloads as D
from tests.fakes.fake_discord import FakeDiscord

TOKEN = "fake.bot.token"


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def make_adapter(app: Any, fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """Connect a real DiscordAdapter to the fake (full login + gateway); disconnected at teardown."""
    from adapters.discord_adapter import DiscordAdapter

    made: list[DiscordAdapter] = []

    async def make(**options: Any) -> DiscordAdapter:
        options.setdefault("lead_role", D.LEAD_ROLE_NAME)
        # discord.py otherwise waits 2 s for more GUILD_CREATEs before it calls itself ready.
        options.setdefault("guild_ready_timeout", 0.01)
        adapter = DiscordAdapter(app.settings, app.router, token=TOKEN, api_base_url=fake_discord.api_base,
                                 gateway_url=fake_discord.gateway_url, **options)
        made.append(adapter)
        await adapter.connect()
        await adapter.client.wait_until_ready()
        return adapter

    yield make
    for adapter in made:
        await adapter.disconnect()


@pytest.fixture
async def adapter(make_adapter: Callable[..., Awaitable[Any]]) -> Any:
    return await make_adapter()
