"""The console adapter's lifecycle and loop: drill in a terminal, or scripted through piped stdin."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import IO, TYPE_CHECKING

from rich.console import Console

from adapters.console_adapter.reader import StdinLines
from adapters.console_adapter.screen import Screen
from bot.content.models import LETTERS
from bot.messages import CommandContext, DrillCard, MemberRef, Reply
from bot.ports import ChannelAccess, SentRef, Target

if TYPE_CHECKING:
    from bot.ports import Bot
    from bot.settings import Settings

log = logging.getLogger(__name__)

HELP = """Type a letter to answer, or one of:
  next    a new drill (reviews first)      stats   your altitude and streak
  help    this list                        quit    leave (Ctrl-D works too)
Anything else is a /drill command: pause 7, resume, optout, optin, forget-me."""


class ConsoleAdapter:
    """One member at a terminal. Reads lines, so `printf 'a\\nquit\\n' | saga-drills console` works."""

    name = "console"

    def __init__(self, settings: Settings, bot: Bot, *, member: str | None = None, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None, drill_count: int | None = None) -> None:
        self.bot = bot
        self.drill_count = drill_count
        name = member or "you"
        self.member = MemberRef(platform="console", space="local", user_id=name, display_name=name, tz=settings.tz)
        self.stdin = stdin or sys.stdin
        self.console = Console(file=stdout) if stdout else Console()
        self.screen = Screen(self.console)
        self._stopped = asyncio.Event()

    @property
    def current(self) -> DrillCard | None:
        """The card on screen, which a typed letter answers."""
        return self.screen.current

    async def connect(self) -> None:
        loaded = f" {self.drill_count} drills loaded." if self.drill_count is not None else ""
        self.console.print(f"[bold]Saga Drills[/bold] — signed in as {self.member.display_name}.{loaded}")
        self.console.print(HELP, style="dim")

    async def listen(self) -> None:
        lines = StdinLines(self.stdin)
        lines.start()
        await self._show(await self.bot.command(self._ctx(), "next"))
        while not self._stopped.is_set():
            self.console.print("› ", end="", style="bold")
            line = await lines.next()
            if not line:  # EOF: piped input is used up
                self.console.print()
                break
            if not lines.isatty():
                self.console.print(line.rstrip("\n"), style="dim")
            if await self.handle_line(line.strip()) is False:
                break
        self.console.print("Bye — see you at the next drill.")

    async def handle_line(self, line: str) -> bool:
        """Act on one line of input; False means the member wants to leave."""
        if line.lower() == "/drill" or line.lower().startswith("/drill "):  # as the help and the README write it
            line = line[len("/drill"):].strip()
        word = line.lower()
        if word in {"quit", "q", "exit", ":q"}:
            return False
        if not word:
            return True
        if word in {"h", "?", "help"}:
            self.console.print(HELP)
            return True
        if len(word) == 1 and word.upper() in LETTERS:
            await self._answer(word.upper())
            return True
        await self._show(await self.bot.command(self._ctx(), {"n": "next", "s": "stats"}.get(word, line)))
        return True

    async def _answer(self, letter: str) -> None:
        if self.current is None:
            self.console.print("There is no open drill; type `next` for one.", style="yellow")
            return
        reply = await self.bot.answer(self.member, self.current.delivery_id, letter)
        await self._show(reply)

    async def _show(self, reply: Reply) -> None:
        self.screen.show(reply)

    def _ctx(self) -> CommandContext:
        # The person at the terminal runs the bot, so the console is trusted as a lead.
        return CommandContext(member=self.member, channel="console", is_lead=True)

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """Scheduled posts and reveals addressed to the console print here."""
        return self.screen.send(target, reply)

    async def prepare_channel(self, channel: str) -> ChannelAccess:
        """The terminal is the one channel, always writable."""
        return ChannelAccess(ok=True)

    async def disconnect(self) -> None:
        self._stopped.set()
