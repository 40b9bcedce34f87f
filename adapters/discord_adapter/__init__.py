"""The Discord adapter package: lifecycle, listeners, rendering and sending, each in its own module."""

from __future__ import annotations

from typing import Any

__all__ = ["DiscordAdapter"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the pure renderer (`drills render`, `drills check`) does not load the SDK.
    if name == "DiscordAdapter":
        from adapters.discord_adapter.adapter import DiscordAdapter

        return DiscordAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
