"""A private defer and the edit of an interaction's original, sent as their JSON on discord.py's webhook adapter.

The renderer already produces Discord's JSON. discord.py's `edit_original_response` wants View,
Button and Embed objects, turns them back into that JSON, and parses Discord's answer into an
InteractionMessage that the bot never reads: per click, that round trip cost more than grading
the answer (benchmarks/discord_path.py). A reply without files goes out as its JSON instead,
through the same webhook adapter, session and route; tests/discord/test_discord_wire.py checks
that the body equals the one discord.py builds. A reply with files still takes discord.py's
multipart path (views.edit_kwargs).

The defer is the callback `response.defer(ephemeral=True, thinking=True)` sends, without
`?with_response=1`: Discord then answers 204 and there is no callback resource to parse
either (the bot never reads it).
"""

from __future__ import annotations

from typing import Any

import discord
from discord.http import Route
from discord.webhook.async_ import async_context

from adapters.discord_adapter.limits import LINK_STYLE
from adapters.discord_adapter.render import DiscordMessage, is_known_custom_id

# InteractionResponseType.deferred_channel_message with the EPHEMERAL flag: "thinking…", only for the member.
PRIVATE_DEFER = {"type": discord.InteractionResponseType.deferred_channel_message.value, "data": {"flags": 64}}


def edit_body(message: DiscordMessage, allowed_mentions: discord.AllowedMentions | None) -> dict[str, Any]:
    """The PATCH body of `edit_original_response(content=…, embeds=…, view=…, attachments=[])` for a
    file-less message; a button whose custom_id no click routes is refused (ValueError), as build_view does."""
    if message.files:
        raise ValueError("a message with files goes through discord.py's multipart path")
    payload = message.payload
    body: dict[str, Any] = {
        "embeds": [discord.Embed.from_dict(e).to_dict() for e in embeds] if (embeds := payload.get("embeds")) else [],
        "content": payload.get("content") or None,
        "components": [{"type": 1, "components": [_button(b) for b in row.get("components", [])]}
                       for row in payload.get("components") or []],
        "tts": False,
    }
    if allowed_mentions is not None:
        body["allowed_mentions"] = allowed_mentions.to_dict()
    body["attachments"] = []
    return body


def _button(spec: dict[str, Any]) -> dict[str, Any]:
    # The keys discord.py's ButtonComponent.to_dict writes for a label-only button.
    style = spec.get("style", 2)
    out: dict[str, Any] = {"type": 2, "style": style, "disabled": False}
    if spec.get("label"):
        out["label"] = spec["label"]
    if style == LINK_STYLE:
        out["url"] = spec["url"]
    elif is_known_custom_id(spec["custom_id"]):
        out["custom_id"] = spec["custom_id"]
    else:
        raise ValueError(f"button custom_id {spec['custom_id']!r} matches no persistent item")
    return out


async def edit_original(interaction: discord.Interaction, body: dict[str, Any]) -> None:
    """PATCH the interaction's original response with `body` (Discord's answer is not parsed).

    The call edit_original_response makes, on the interaction's own session; discord.py raises
    the same HTTPException subclasses for a refusal.
    """
    http = interaction._state.http
    await async_context.get().edit_original_interaction_response(
        interaction.application_id, interaction.token, session=interaction._session,
        proxy=http.proxy, proxy_auth=http.proxy_auth, payload=body)


async def defer_private(interaction: discord.Interaction) -> None:
    """Acknowledge the interaction with a private "thinking…" (Discord's 3 s first response).

    Marked as responded, as discord.py's own defer does, so `interaction.response.is_done()`
    holds afterwards; a second defer raises InteractionResponded like discord.py's.
    """
    if interaction.response.is_done():
        raise discord.InteractionResponded(interaction)
    http = interaction._state.http
    route = Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback",
                  webhook_id=interaction.id, webhook_token=interaction.token)
    await async_context.get().request(route, session=interaction._session, proxy=http.proxy,
                                      proxy_auth=http.proxy_auth, payload=PRIVATE_DEFER)
    interaction.response._response_type = discord.InteractionResponseType.deferred_channel_message
