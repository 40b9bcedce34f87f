"""`/drill leaderboard`, `/drill season`, `/drill report`; and a catch-up of the board tables at start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shlex
from typing import TYPE_CHECKING

from bot.leaderboard import BoardError
from bot.leaderboard.periods import PERIODS, normalize
from bot.leaderboard.service import Leaderboards
from bot.leaderboard.scope import Scope
from bot.messages import Action, CommandContext, Notice, Reply
from bot.ports import AdapterError, Target
from bot.store import StoreBusy, StoreError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

__all__ = ["install"]

BOARD_USAGE = "leaderboard [week|last-week|month|last-month|season [NAME]|all] [here]"
LEAD_ONLY = "Only leads can {what}. Ask a workspace admin, or a lead listed in SAGA_DRILLS_LEADS."


class BoardCatchUp:
    """Folds answers recorded while the bot was down into the board tables, off the request path."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._task: asyncio.Task[None] | None = None

    async def start(self, app: App) -> None:
        self._task = asyncio.create_task(self._run(), name="leaderboard-catch-up")

    async def _run(self) -> None:
        try:
            folded = await Leaderboards(self.app).refresh()
            if folded:
                log.info("leaderboard: folded %d answers into the board tables", folded)
        except StoreError as exc:  # a busy database only delays the catch-up to the first board
            log.warning("leaderboard catch-up postponed: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


def install(app: App) -> BoardCatchUp:
    words = LeaderboardWords(app)
    router = app.router
    router.register("leaderboard", words.leaderboard, usage=BOARD_USAGE,
                    summary="the board, shown only to you (leads can post it to the channel)")
    router.register("season", words.season, usage='season list | start "NAME" | end',
                    summary="seasons: list them; leads start and end them")
    router.register("report", words.report, usage="report [week|month|season|all]",
                    summary="the team's blind spots per topic and trap", lead_only=True)
    router.aliases.update({"board": "leaderboard", "lb": "leaderboard", "seasons": "season", "blindspots": "report"})
    _fold_before_forgetting(app)
    return BoardCatchUp(app)


def _fold_before_forgetting(app: App) -> None:
    """Fold a member's answers into the board tables before forget-me anonymizes them.

    Folded answers stay with the member's board person, whose link to the member the database
    cuts (ON DELETE SET NULL); answers folded only after forget-me would land on a second,
    anonymous person and count the same member twice in "members attempted".
    """

    async def fold(ctx: CommandContext) -> None:
        try:
            await Leaderboards(app).refresh()
        except StoreError as exc:  # forgetting must not wait on the boards; counts stay, members may double
            log.warning("boards not folded before forget-me: %s", exc)

    app.router.before_forget.append(fold)


class LeaderboardWords:
    def __init__(self, app: App) -> None:
        self.app = app

    # -- leaderboard -------------------------------------------------------------------------
    async def leaderboard(self, ctx: CommandContext, args: list[str]) -> Reply:
        post = bool(args) and (args[0].lower() == "post" or args[0].lower().startswith("post:"))
        click = args[0].partition(":")[2] if post else ""  # the button's own token, for one post per click
        if post:
            args = args[1:]
        parsed = _board_args(args)
        if isinstance(parsed, Notice):
            return parsed
        period, here, season_name = parsed
        member = ctx.member
        scope = Scope(member.platform, member.space, ctx.channel if here else None)
        if here and not ctx.channel:
            return Notice(text="`here` means this channel's drills; ask in a channel.", level="warning")
        if post:
            return await self._post(ctx, scope, period, season_name, click=click)
        actions: tuple[Action, ...] = ()
        if ctx.channel and self.app.router.is_lead(ctx):
            # A token per rendered button: a double click, or a click retried by the platform, posts once.
            command = " ".join([f"leaderboard post:{secrets.token_urlsafe(6)}", period,
                                *([shlex.quote(season_name)] if season_name else []), *(["here"] if here else [])])
            actions = (Action(label="Post to channel", command=command, style="primary"),)
        return await _guard(Leaderboards(self.app).board(scope, period, season_name=season_name, viewer=member.key,
                                                         actions=actions))

    async def _post(self, ctx: CommandContext, scope: Scope, period: str, season_name: str | None, *,
                    click: str = "") -> Reply:
        if not self.app.router.is_lead(ctx):
            return Notice(text=LEAD_ONLY.format(what="post the leaderboard to the channel"), level="warning")
        if click and not await self.app.router.first_time(ctx.member.platform, f"board-post:{ctx.member.space}:{click}"):
            return Notice(text="This board was already posted to the channel from that button; nothing more was sent.")
        adapter = self.app.adapters.get(ctx.member.platform)
        if adapter is None or not ctx.channel:
            return Notice(text="Posting needs a channel on a connected platform; here I can only show the board to you.",
                          level="warning")
        access = await self.app.channel_access(ctx.member.platform, ctx.channel)
        if not access.ok:
            return Notice(text=f"Nothing was posted: {access.note}", level="warning")
        table = await _guard(Leaderboards(self.app).board(scope, period, season_name=season_name))
        if isinstance(table, Notice):
            return table
        target = Target(platform=ctx.member.platform, space=ctx.member.space, channel=ctx.channel)
        try:
            await adapter.send(target, table)
        except AdapterError as exc:
            log.warning("posting the leaderboard to %s failed: %s", ctx.channel, exc)
            return Notice(text=f"I couldn't post the board to the channel: {exc}", level="error")
        log.info("leaderboard (%s) posted to a channel on %s", period, ctx.member.platform)
        return Notice(text=f"Posted the leaderboard ({table.title.removeprefix('Leaderboard · ')}) to the channel."
                           + (f" {access.note}" if access.note else ""))

    # -- seasons -----------------------------------------------------------------------------
    async def season(self, ctx: CommandContext, args: list[str]) -> Reply:
        sub = args[0].lower() if args else "list"
        member = ctx.member
        boards = Leaderboards(self.app)
        if sub == "list":
            return await _guard(boards.season_table(member.platform, member.space))
        if sub not in ("start", "end"):
            return Notice(text='Usage: `/drill season list`, `/drill season start "Q1"` (leads) or `/drill season end` (leads).',
                          level="warning")
        if not self.app.router.is_lead(ctx):
            return Notice(text=LEAD_ONLY.format(what=f"{sub} a season"), level="warning")
        row = await self.app.engine.store.ensure_member(member, now=boards.now())
        if sub == "start":
            if len(args) < 2:
                return Notice(text='Name the season, e.g. `/drill season start "Q1 2026"`.', level="warning")
            season = await _guard(boards.start_season(member.platform, member.space, " ".join(args[1:]), by=row.id))
            if isinstance(season, Notice):
                return season
            return Notice(text=f"Season “{season.name}” has started: `/drill leaderboard season` counts from now. "
                               "`/drill season end` closes it; its final board stays viewable.")
        season = await _guard(boards.end_season(member.platform, member.space, by=row.id))
        if isinstance(season, Notice):
            return season
        return Notice(text=f"Season “{season.name}” has ended; its final board stays under "
                           f"`/drill leaderboard season {shlex.quote(season.name)}`.")

    # -- report ------------------------------------------------------------------------------
    async def report(self, ctx: CommandContext, args: list[str]) -> Reply:
        # lead_only=True at registration: the router has already refused non-leads.
        parsed = _board_args(args, default="all")
        if isinstance(parsed, Notice):
            return parsed
        period, _here, season_name = parsed
        return await _guard(Leaderboards(self.app).report(ctx.member.platform, ctx.member.space, period,
                                                          season_name=season_name))


def _board_args(args: list[str], *, default: str = "week") -> tuple[str, bool, str | None] | Notice:
    """(period, here, season name) from the words after `leaderboard` or `report`."""
    words = list(args)
    here = False
    for flag in ("here", "channel"):
        if flag in (w.lower() for w in words):
            here = True
            words = [w for w in words if w.lower() != flag]
    if not words:
        return default, here, None
    period = normalize(words[0])
    if period is None:
        return Notice(text=f"I don't know the period “{words[0]}”. Try one of: {', '.join(PERIODS)}.", level="warning")
    if len(words) > 1 and period != "season":
        return Notice(text=f"Usage: `/drill {BOARD_USAGE}`", level="warning")
    return period, here, " ".join(words[1:]) or None


async def _guard(work):  # type: ignore[no-untyped-def]
    """Await board work; a user-facing problem becomes a Notice, never a stack trace in chat."""
    try:
        return await work
    except BoardError as exc:
        return Notice(text=str(exc), level="warning")
    except StoreBusy:
        raise  # the core's door words it, the same on every platform
    except StoreError as exc:
        log.error("leaderboard store error: %s", exc)
        return Notice(text="The leaderboard could not be read just now; the error is in the bot's log.", level="error")
