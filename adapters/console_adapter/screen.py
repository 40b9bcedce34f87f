"""The console's output: every reply printed with the rich renderer, and the card the member is on."""

from __future__ import annotations

from rich.console import Console

from adapters.console_adapter.render import render
from bot.messages import DrillCard, Notice, Reply
from bot.ports import SentRef, Target


class Screen:
    """Prints replies; remembers the open card, so a typed letter answers it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.current: DrillCard | None = None

    def show(self, reply: Reply) -> None:
        if isinstance(reply, DrillCard):
            self.current = reply
        self.console.print(render(reply))
        # A notice that offers a fresh drill means the one on screen is no longer answerable.
        if isinstance(reply, Notice) and any(a.command == "next" for a in reply.actions) and reply.level != "info":
            self.current = None

    def send(self, target: Target, reply: Reply) -> SentRef:
        """Scheduled posts and reveals addressed to the console print here."""
        self.show(reply)
        return SentRef(platform="console", channel=target.channel or target.user_id or "local", message_id=str(id(reply)))
