"""The Slack adapter package: lifecycle, listeners, rendering and sending, each in its own module."""

from __future__ import annotations

from typing import Any

__all__ = ["SlackAdapter"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the pure renderer (`drills render`, `drills check`) does not load the SDK.
    if name == "SlackAdapter":
        from adapters.slack_adapter.adapter import SlackAdapter

        return SlackAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
