"""Platform adapters, one package per platform; REGISTRY is the one list of them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.ports import Adapter, Bot
    from bot.settings import Settings

# Imported lazily: `saga-drills --help` must not pay for discord.py and slack-bolt.
ADAPTERS = {
    "console": "adapters.console_adapter.adapter:ConsoleAdapter",
    "slack": "adapters.slack_adapter.adapter:SlackAdapter",
    "discord": "adapters.discord_adapter.adapter:DiscordAdapter",
}


def create_adapter(name: str, settings: Settings, bot: Bot, **options: Any) -> Adapter:
    """Build the adapter called `name`, entering the core through `bot`; unknown names raise ValueError."""
    try:
        module_name, _, class_name = ADAPTERS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown adapter {name!r}; choose from {', '.join(ADAPTERS)}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(settings, bot, **options)
