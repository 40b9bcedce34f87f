"""discord.py objects for a rendered payload: persistent DynamicItem buttons, embeds and files."""

from __future__ import annotations

import io
import re
from typing import Any, Protocol

import discord

from adapters.discord_adapter.limits import LINK_STYLE
from adapters.discord_adapter.render import (
    ANSWER_TEMPLATE,
    COMMAND_TEMPLATE,
    DiscordMessage,
    answer_custom_id,
    command_custom_id,
)



class ButtonHandler(Protocol):
    """What a click needs from the adapter; InteractionHandler is the one implementation."""

    async def answer(self, interaction: discord.Interaction, delivery_id: str, letter: str) -> None: ...

    async def run_command(self, interaction: discord.Interaction, text: str, *, space: str | None = None) -> None: ...


def handler_of(interaction: discord.Interaction) -> Any:
    """The handler DrillClient carries; discord.py hands items the client, not the adapter."""
    return interaction.client.handler  # type: ignore[attr-defined]


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=ANSWER_TEMPLATE):
    """One option of a drill card. The custom_id holds delivery and letter, so it outlives restarts."""

    def __init__(self, delivery_id: str, letter: str, *, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label or letter, style=style,
                                           custom_id=answer_custom_id(delivery_id, letter)), row=row)
        self.delivery_id = delivery_id
        self.letter = letter

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,  # type: ignore[override]
                             match: re.Match[str], /) -> AnswerButton:
        return cls(match["delivery"], match["letter"], label=item.label, style=item.style)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _buttons(interaction).answer(interaction, self.delivery_id, self.letter)


class CommandButton(discord.ui.DynamicItem[discord.ui.Button], template=COMMAND_TEMPLATE):
    """An Action: runs `/drill <command>` for whoever clicks it (the server id rides along in DMs)."""

    def __init__(self, command: str, *, space: str | None = None, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label or command, style=style,
                                           custom_id=command_custom_id(command, space=space)), row=row)
        self.command = command
        self.space = space

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,  # type: ignore[override]
                             match: re.Match[str], /) -> CommandButton:
        return cls(match["command"], space=match["space"], label=item.label, style=item.style)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _buttons(interaction).run_command(interaction, self.command, space=self.space)


def _buttons(interaction: discord.Interaction) -> ButtonHandler:
    handler: ButtonHandler = handler_of(interaction)
    return handler


PERSISTENT_ITEMS = (AnswerButton, CommandButton)
_ANSWER = re.compile(ANSWER_TEMPLATE)
_COMMAND = re.compile(COMMAND_TEMPLATE)


def build_view(rows: list[dict[str, Any]]) -> discord.ui.View | None:
    """A timeout-free View whose buttons are the persistent DynamicItems the payload names."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(rows):
        for spec in row.get("components", []):
            style = discord.ButtonStyle(spec.get("style", 2))
            label = spec.get("label")
            if spec.get("style") == LINK_STYLE:
                view.add_item(discord.ui.Button(label=label, url=spec["url"], row=r))
            elif m := _ANSWER.fullmatch(spec["custom_id"]):
                view.add_item(AnswerButton(m["delivery"], m["letter"], label=label, style=style, row=r))
            elif m := _COMMAND.fullmatch(spec["custom_id"]):
                view.add_item(CommandButton(m["command"], space=m["space"], label=label, style=style, row=r))
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
