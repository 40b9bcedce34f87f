"""The console adapter package: the terminal loop and its rich renderer."""

from __future__ import annotations

from typing import Any

__all__ = ["ConsoleAdapter"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the pure renderer (`drills render`, `drills check`) does not load the SDK.
    if name == "ConsoleAdapter":
        from adapters.console_adapter.adapter import ConsoleAdapter

        return ConsoleAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
