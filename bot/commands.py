"""`/drill <words>` and the door into the core: one parser, the lead checks, and the one error guard."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from bot.engine import Engine
from bot.health.metrics import Metrics
from bot.messages import BUSY, FAILED, NEXT_ACTION, Action, CommandContext, Feedback, MemberRef, Notice, Reply, counted
from bot.store import StoreBusy, StoreError

log = logging.getLogger(__name__)
# Discord caps a string option at 6,000 characters; no /drill command needs more than a few dozen.
COMMAND_TEXT_MAX = 6000

__all__ = ["BUSY", "FAILED", "CommandContext", "CommandRouter"]

T = TypeVar("T")

Handler = Callable[[CommandContext, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    word: str
    handler: Handler
    usage: str
    summary: str
    lead_only: bool = False


@dataclass
class CommandRouter:
    """Maps the first word to a handler. Lead-only commands are checked here, on every call."""

    engine: Engine
    leads: Iterable[str] = ()
    commands: dict[str, Command] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    before_forget: list[Callable[[CommandContext], Awaitable[None]]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.leads = frozenset(self.leads)
        self.register("next", self._next, usage="next", summary="a drill now (reviews first)")
        self.register("stats", self._stats, usage="stats", summary="your altitude, streak and reviews due")
        self.register("guessed", self._guessed, usage="guessed",
                      summary="your last right answer was a guess: it comes back sooner (the board still counts it)")
        self.register("pause", self._pause, usage="pause DAYS", summary="no review DMs for a while (vacation)")
        self.register("resume", self._resume, usage="resume", summary="review DMs again")
        self.register("optout", self._optout, usage="optout", summary="hide yourself from leaderboards")
        self.register("optin", self._optin, usage="optin", summary="show yourself on leaderboards again")
        self.register("forget-me", self._forget, usage="forget-me", summary="delete your data (asks to confirm)")
        self.register("help", self._help, usage="help", summary="this list")
        self.aliases.update({"": "next", "drill": "next", "me": "stats", "vacation": "pause", "forgetme": "forget-me"})

    def register(self, word: str, handler: Handler, *, usage: str, summary: str, lead_only: bool = False) -> None:
        self.commands[word] = Command(word, handler, usage, summary, lead_only)

    def is_lead(self, ctx: CommandContext) -> bool:
        """A lead by the platform's word, or listed in SAGA_DRILLS_LEADS (user id or member key)."""
        return ctx.is_lead or ctx.member.user_id in self.leads or ctx.member.key in self.leads

    # -- the door (ports.Bot) --------------------------------------------------------------
    async def command(self, ctx: CommandContext, text: str) -> Reply:
        return await self._guarded(self.handle(ctx, text), what="command", platform=ctx.member.platform)

    async def answer(self, member: MemberRef, delivery_id: str, letter: str) -> Reply:
        return await self._guarded(self.engine.answer(member, delivery_id, letter), what="answer",
                                   platform=member.platform)

    async def home(self, member: MemberRef) -> Reply:
        return await self._guarded(self.engine.stats(member), what="home", platform=member.platform)

    async def first_time(self, platform: str, key: str, *, within: float | None = None) -> bool:
        try:
            return await self.engine.store.claim_inbound(platform, key, now=self.engine.clock.now(), within=within)
        except StoreError as exc:
            log.warning("inbound key not checked across processes (%s); acting on it", exc)
            return True

    async def space_of(self, member: MemberRef, delivery_id: str) -> str:
        try:
            return await self.engine.delivery_space(member.platform, delivery_id)
        except StoreError as exc:  # the answer that follows meets the same store and says so
            log.warning("space of a %s delivery unknown: %s", member.platform, exc)
            return "dm"

    async def _guarded(self, work: Awaitable[T], *, what: str, platform: str) -> T | Notice:
        """The reply, or a private notice that says nothing was lost; never a stack trace in chat."""
        try:
            reply = await work
        except StoreBusy:
            log.warning("database busy during a %s %s; nothing was written", platform, what)
            self.metrics.interaction(platform, what, "busy")
            return BUSY
        except Exception:
            log.exception("%s %s failed", platform, what)
            self.metrics.interaction(platform, what, "failed")
            return FAILED
        self.metrics.interaction(platform, what, "notice" if isinstance(reply, Notice) else "ok")
        if isinstance(reply, Feedback) and not reply.duplicate:
            self.metrics.answer_recorded(platform)
        return reply

    # -- parsing -----------------------------------------------------------------------------
    async def handle(self, ctx: CommandContext, text: str) -> Reply:
        """Route `/drill <text>` unguarded (the door's `command` adds the guard)."""
        if len(text or "") > COMMAND_TEXT_MAX:
            # shlex is quadratic on hostile input (a 1 MB command held the loop for 22 s): never parse it.
            return Notice(text=f"That command is {len(text):,} characters long; `/drill` commands are at most "
                               f"{COMMAND_TEXT_MAX:,}. Try `/drill help`.", level="warning")
        try:
            words = shlex.split(text or "")
        except ValueError:
            words = (text or "").split()
        word = words[0].lower() if words else ""
        word = self.aliases.get(word, word)
        command = self.commands.get(word)
        if command is None:
            return self.help_notice(prefix=f"I don't know “{words[0]}”. ")
        if command.lead_only and not self.is_lead(ctx):
            return Notice(text=f"Only leads can use `/drill {command.word}`. Ask a workspace admin, or a lead listed in SAGA_DRILLS_LEADS.",
                          level="warning")
        return await command.handler(ctx, words[1:])

    def help_notice(self, *, prefix: str = "") -> Notice:
        lines = [f"{prefix}Saga Drills — a daily code-reading drill about sagas.", ""]
        for cmd in self.commands.values():
            lead = " (leads)" if cmd.lead_only else ""
            lines.append(f"/drill {cmd.usage} — {cmd.summary}{lead}")
        return Notice(text="\n".join(lines), actions=(NEXT_ACTION,))

    # -- built-in member commands ----------------------------------------------------------
    async def _next(self, ctx: CommandContext, args: list[str]) -> Reply:
        return await self.engine.next_drill(ctx.member)

    async def _stats(self, ctx: CommandContext, args: list[str]) -> Reply:
        return await self.engine.stats(ctx.member)

    async def _guessed(self, ctx: CommandContext, args: list[str]) -> Reply:
        # The feedback's button names its delivery; typed bare, it means the latest answer.
        if len(args) > 1:
            return Notice(text="Usage: `/drill guessed` (your latest answer) or the “I guessed” button under a right answer.",
                          level="warning")
        return await self.engine.guessed(ctx.member, args[0] if args else None)

    async def _help(self, ctx: CommandContext, args: list[str]) -> Reply:
        return self.help_notice()

    async def _pause(self, ctx: CommandContext, args: list[str]) -> Reply:
        if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= 365:
            return Notice(text="Usage: `/drill pause DAYS` with DAYS from 1 to 365, e.g. `/drill pause 14`.", level="warning")
        now = self.engine.clock.now()
        row = await self.engine.store.ensure_member(ctx.member, now=now)
        until = now + timedelta(days=int(args[0]))
        await self.engine.store.set_paused(row.id, until)
        local = until.astimezone(self.engine.zone(row))
        return Notice(text=f"Paused: no review DMs until {local:%a %d %b}. `/drill resume` ends it early; `/drill` still works.")

    async def _resume(self, ctx: CommandContext, args: list[str]) -> Reply:
        row = await self.engine.store.ensure_member(ctx.member, now=self.engine.clock.now())
        await self.engine.store.set_paused(row.id, None)
        return Notice(text="Welcome back: review DMs are on again.", actions=(NEXT_ACTION,))

    async def _optout(self, ctx: CommandContext, args: list[str]) -> Reply:
        row = await self.engine.store.ensure_member(ctx.member, now=self.engine.clock.now())
        await self.engine.store.set_opted_out(row.id, True)
        return Notice(text="You are hidden from leaderboards. Your drills and reviews go on as before; `/drill optin` to show again.")

    async def _optin(self, ctx: CommandContext, args: list[str]) -> Reply:
        row = await self.engine.store.ensure_member(ctx.member, now=self.engine.clock.now())
        await self.engine.store.set_opted_out(row.id, False)
        return Notice(text="You are back on the leaderboards.")

    async def _forget(self, ctx: CommandContext, args: list[str]) -> Reply:
        if args[:1] != ["confirm"]:
            return Notice(
                text="This deletes your altitude, streak, review schedule and profile. Team figures keep "
                     "their counts through an anonymous row that cannot be traced back to you. There is no undo.",
                level="warning", actions=(Action(label="Delete my data", command="forget-me confirm", style="danger"),),
            )
        for hook in self.before_forget:  # e.g. the boards fold this member's answers first
            await hook(ctx)
        moved = await self.engine.store.forget_member(ctx.member.key)
        log.info("forgot a member on %s (%d answers anonymized)", ctx.member.platform, moved)
        return Notice(text=f"Done: your data is deleted ({counted(moved, 'answer')} kept anonymously in team figures).")
