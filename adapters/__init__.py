"""Platform adapters, one package per platform; REGISTRY is the one list of them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.ports import Adapter
    from bot.runtime import App

# Imported lazily: `saga-drills --help` must not pay for discord.py and slack-bolt.
ADAPTERS = {
    "console": "adapters.console_adapter.adapter:ConsoleAdapter",
    "slack": "adapters.slack_adapter.adapter:SlackAdapter",
    "discord": "adapters.discord_adapter.adapter:DiscordAdapter",
}


def create_adapter(name: str, app: App, **options: Any) -> Adapter:
    """Build the adapter called `name` for `app`; unknown names raise ValueError."""
    try:
        module_name, _, class_name = ADAPTERS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown adapter {name!r}; choose from {', '.join(ADAPTERS)}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(app, **options)
