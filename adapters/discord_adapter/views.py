"""discord.py objects for a rendered payload (buttons, embeds, files), and the route of a click on a button."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord

from adapters.discord_adapter.limits import LINK_STYLE
from adapters.discord_adapter.render import ANSWER_TEMPLATE, COMMAND_TEMPLATE, DiscordMessage


class ButtonHandler(Protocol):
    """What a click needs from the adapter; InteractionHandler is the one implementation."""

    async def answer(self, interaction: discord.Interaction, delivery_id: str, letter: str) -> None: ...

    async def run_command(self, interaction: discord.Interaction, text: str, *, space: str | None = None) -> None: ...


def handler_of(interaction: discord.Interaction) -> Any:
    """The handler DrillClient carries; discord.py hands items the client, not the adapter."""
    return interaction.client.handler  # type: ignore[attr-defined]


_ANSWER = re.compile(ANSWER_TEMPLATE)
_COMMAND = re.compile(COMMAND_TEMPLATE)
Route = Callable[[ButtonHandler, discord.Interaction], Awaitable[None]]


def click_route(custom_id: str) -> Route | None:
    """What a click on one of the bot's buttons does, read from its custom_id; None for any other."""
    if m := _ANSWER.fullmatch(custom_id):
        delivery_id, letter = m["delivery"], m["letter"]
        return lambda handler, interaction: handler.answer(interaction, delivery_id, letter)
    if m := _COMMAND.fullmatch(custom_id):
        command, space = m["command"], m["space"]
        return lambda handler, interaction: handler.run_command(interaction, command, space=space)
    return None


class ButtonRows(discord.ui.View):
    """The payload's buttons as discord.py components. DrillClient.on_interaction routes every click
    by custom_id, so discord.py need not track the sent message (nor keep its view in memory)."""

    def is_dispatchable(self) -> bool:
        return False


def build_view(rows: list[dict[str, Any]]) -> discord.ui.View | None:
    """A timeout-free view of the buttons the payload names; a custom_id no click routes is refused."""
    if not rows:
        return None
    view = ButtonRows(timeout=None)
    for r, row in enumerate(rows):
        for spec in row.get("components", []):
            style = discord.ButtonStyle(spec.get("style", 2))
            label = spec.get("label")
            if spec.get("style") == LINK_STYLE:
                view.add_item(discord.ui.Button(label=label, url=spec["url"], row=r))
            elif click_route(spec["custom_id"]) is not None:
                view.add_item(discord.ui.Button(label=label, style=style, custom_id=spec["custom_id"], row=r))
            else:
                raise ValueError(f"button custom_id {spec['custom_id']!r} matches no persistent item")
    return view


def files_of(message: DiscordMessage) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None)
            for f in message.files]


def send_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for Messageable.send / followup.send."""
    payload = message.payload
    kwargs: dict[str, Any] = {"content": payload.get("content") or None,
                              "embeds": [discord.Embed.from_dict(e) for e in payload.get("embeds") or []]}
    view = build_view(payload.get("components") or [])
    if view is not None:
        kwargs["view"] = view
    files = files_of(message)
    if files:
        kwargs["files"] = files
    return kwargs


def edit_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for Interaction.edit_original_response (files go in `attachments`)."""
    kwargs = send_kwargs(message)
    kwargs["attachments"] = kwargs.pop("files", [])
    kwargs.setdefault("view", None)
    return kwargs
