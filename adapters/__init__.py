"""Platform adapters, one package per platform; REGISTRY is the one list of them and their renderers."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from bot.ports import Adapter, Bot
    from bot.settings import Settings


class Entry(NamedTuple):
    """Where a platform's adapter class and payload renderer live (a renderer has render_payload/limit_problems)."""

    adapter: str
    renderer: str | None


# Imported lazily: `saga-drills --help` must not pay for discord.py and slack-bolt.
REGISTRY: dict[str, Entry] = {
    "console": Entry("adapters.console_adapter.adapter:ConsoleAdapter", None),
    "slack": Entry("adapters.slack_adapter.adapter:SlackAdapter", "adapters.slack_adapter.render"),
    "discord": Entry("adapters.discord_adapter.adapter:DiscordAdapter", "adapters.discord_adapter.render"),
}
ADAPTERS = {name: entry.adapter for name, entry in REGISTRY.items()}


def create_adapter(name: str, settings: Settings, bot: Bot, **options: Any) -> Adapter:
    """Build the adapter called `name`, entering the core through `bot`; unknown names raise ValueError."""
    try:
        module_name, _, class_name = ADAPTERS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown adapter {name!r}; choose from {', '.join(ADAPTERS)}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(settings, bot, **options)


def payload_renderer(name: str) -> ModuleType:
    """The pure renderer module of a chat platform (render_payload, limit_problems); SDK-free."""
    renderer = REGISTRY[name].renderer
    if renderer is None:
        raise ValueError(f"{name!r} renders no chat payload")
    return importlib.import_module(renderer)


def payload_renderers() -> dict[str, ModuleType]:
    """Every chat platform's renderer, for `drills check` (a drill must fit each platform as really sent)."""
    return {name: payload_renderer(name) for name, entry in REGISTRY.items() if entry.renderer}
