"""Steps the Discord tests share: dispatch an interaction and await the bot's answer, read what it said."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes import discord_payloads as D
from tests.fakes.fake_discord import Call, FakeDiscord


async def interact(fake: FakeDiscord, payload: dict[str, Any]) -> tuple[Call, Call]:
    """Dispatch an interaction that the bot defers and then answers; returns (callback, reply edit)."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    token = re.escape(payload["token"])
    [callback] = await fake.wait_for("POST", rf"/interactions/{payload['id']}/{token}/callback")
    [edit] = await fake.wait_for("PATCH", rf"/webhooks/{D.APP_ID}/{token}/messages/@original")
    return callback, edit


async def immediate(fake: FakeDiscord, payload: dict[str, Any]) -> Call:
    """Dispatch an interaction the bot answers at once (a notice); returns its callback."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    [callback] = await fake.wait_for("POST", rf"/interactions/{payload['id']}/{re.escape(payload['token'])}/callback")
    return callback


def text_of(message: dict[str, Any]) -> str:
    """Everything a member reads in a message: content plus embed titles and descriptions."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(p for p in parts if p)


async def answers(app: Any) -> list[Any]:
    return [row async for row in app.store.export_answers()]
