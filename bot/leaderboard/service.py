"""Leaderboards: boards, reports and seasons for one App, shared by /drill words, the CLI and the scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot import srs
from bot.leaderboard import BoardError, charts
from bot.leaderboard.periods import Window, calendar_window
from bot.leaderboard.rendering import board_table, report_table
from bot.leaderboard.report import area_drills, build_report, union_counts
from bot.leaderboard.scoring import IngestRules, Ranked, level_from_held, rank_sorted
from bot.leaderboard.scope import Scope, SeasonRef
from bot.leaderboard.seasons import Season, SeasonError
from bot.store import StoreConflict
from bot.messages import Action, Image, Level, Table, counted

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

TOP = 10
# Past this many members, one range scan of the team's review cards beats IN lists.
SCAN_FROM = 1000


class Leaderboards:
    """Cheap to build per call: all state lives in the database."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.store = app.boards
        self.seasons = app.seasons
        settings = app.settings
        self.rules = IngestRules(tiers={d.id: d.tier for d in app.library.drills.values()},
                                 on_demand_per_day=settings.board_on_demand_per_day, default_tz=settings.tz)

    def now(self) -> datetime:
        return self.app.engine.clock.now()

    async def refresh(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        return await self.store.refresh(self.rules, progress=progress)

    # -- periods -----------------------------------------------------------------------------
    async def _resolve(self, platform: str, space: str, period: str, season_name: str | None) -> tuple[str, Window | None, Season | None]:
        if period != "season":
            window = calendar_window(period, self.now(), self.app.settings.zone)
            return window.label, window, None
        season = await self.seasons.current_or_latest(platform, space, name=season_name)
        if season is None:
            if season_name:
                raise BoardError(f"There is no season called “{season_name}” here; `/drill season list` shows them.")
            raise BoardError('No season yet. A lead starts one with `/drill season start "Q1"`.')
        zone = self.app.settings.zone
        until = _day(season.ended_at.astimezone(zone)) if season.ended_at else "now"
        return f"Season “{season.name}” · {_day(season.started_at.astimezone(zone))} – {until}", None, season

    # -- boards ------------------------------------------------------------------------------
    async def board(self, scope: Scope, period: str = "week", *, season_name: str | None = None,
                    viewer: str | None = None, top: int = TOP, image: bool = True,
                    actions: tuple[Action, ...] = ()) -> Table:
        """The board for a scope and period. `viewer` (a member key) gets their own rank in the footer."""
        await self.refresh()
        image = image and charts.available()
        label, window, season = await self._resolve(scope.platform, scope.space, period, season_name)
        ref = SeasonRef(season.id, season.open) if season else None
        ranked: list[Ranked] = []
        if image:  # the picture needs every ranked member's altitude
            ranked = rank_sorted(await self.store.board_rows(scope, window=window, season=ref))
            shown, count = ranked[:top], len(ranked)
            mine = next((r for r in ranked if r.row.member_id == viewer), None) if viewer else None
        else:
            shown, mine, count = await self.store.board_page(scope, window=window, season=ref, top=top, viewer=viewer)
        wanted = {r.row.member_id for r in (ranked or shown)} | ({viewer} if mine else set())
        levels = await self.levels(wanted, scope=scope if len(wanted) > SCAN_FROM else None)
        note = await self._viewer_note(viewer, mine, count)
        title = f"Leaderboard · {label}" + (" · this channel" if scope.channel else "")
        picture = await self._board_image(title, ranked, levels) if ranked else None
        return board_table(title, shown, levels, ranked_count=count, viewer=mine, viewer_note=note,
                           on_demand_per_day=self.rules.on_demand_per_day, image=picture, actions=actions)

    async def levels(self, member_ids: set[str], *, scope: Scope | None = None) -> dict[str, Level]:
        """Each member's altitude now, by the engine's rule, from grouped queries (see held_counts)."""
        library, settings = self.app.library, self.app.settings
        held = await self.store.held_counts(member_ids, tiers=library.families_by_tier(), now=self.now(), scope=scope,
                                            horizon=srs.hold_horizon(settings.hold_retrievability))
        totals = library.tier_totals()
        # Teams share a handful of (junior, middle, senior) held counts: compute each level once.
        known: dict[tuple[int, ...], Level] = {}
        out: dict[str, Level] = {}
        for member in member_ids:
            counts = held.get(member, {})
            key = tuple(counts.get(t, 0) for t in totals)
            if key not in known:
                known[key] = level_from_held(counts, totals, threshold=settings.mastery_threshold, orbit=settings.orbit_threshold)
            out[member] = known[key]
        return out

    async def _viewer_note(self, viewer: str | None, mine: Ranked | None, count: int) -> str:
        if viewer is None:
            return ""
        if mine is not None:
            return f"You: #{mine.rank} of {count} · {counted(mine.row.points, 'point')} · accuracy {mine.row.accuracy:.0%}"
        visible = await self.store.member_visibility(viewer)
        if visible is False:
            return "You are hidden from boards (`/drill optin` shows you again)."
        return "You have no counted answers in this period yet: `/drill` deals one."

    async def _board_image(self, title: str, ranked: list[Ranked], levels: dict[str, Level]) -> Image:
        counts = Counter(levels.get(r.row.member_id, Level.zero) for r in ranked)
        dist = [(lv.value, counts.get(lv, 0)) for lv in Level]
        top = [(r.rank, r.row.name, r.row.points, levels.get(r.row.member_id, Level.zero).value) for r in ranked[:TOP]]
        data = await asyncio.to_thread(charts.board_chart, title, dist, top)
        alt = ("Altitude of the team: " + ", ".join(f"{n} {name}" for name, n in dist) + ". Top: "
               + ", ".join(f"{name} {score}" for _, name, score, _ in top[:5]) + ".")
        return Image(filename="leaderboard.png", data=data, alt=alt)

    # -- report ------------------------------------------------------------------------------
    async def report(self, platform: str, space: str, period: str = "all", *, season_name: str | None = None,
                     top: int = 6, image: bool = True) -> Table:
        await self.refresh()
        label, window, season = await self._resolve(platform, space, period, season_name)
        if season is not None:
            window = Window(season.started_at, season.ended_at, label)
        library = self.app.library
        picks = await self.store.option_picks(platform, space, window=window)
        members = union_counts(await self.store.people_per_drill(platform, space, window=window), area_drills(library))
        report = build_report(library, picks, members)
        title = f"Team blind spots · {label}"
        picture = None
        if image and report.topics and charts.available():
            topics = [(a.name, a.accuracy, a.answers) for a in report.topics]
            team = sum(f.correct for f in report.drills) / report.answers if report.answers else None
            data = await asyncio.to_thread(charts.report_chart, title, topics, team=team)
            alt = "Accuracy per topic, weakest first: " + ", ".join(f"{n} {acc:.0%}" for n, acc, _ in topics[:6]) + "."
            picture = Image(filename="blind-spots.png", data=data, alt=alt)
        return report_table(title, report, library, top=top, image=picture)

    # -- seasons -----------------------------------------------------------------------------
    async def start_season(self, platform: str, space: str, name: str, *, by: str | None) -> Season:
        await self.refresh()
        try:
            return await self.seasons.start(platform, space, name, now=self.now(), by=by, rules=self.rules)
        except StoreConflict:  # another process opened one between our check and insert
            raise SeasonError("Another season was just started here; see `/drill season list`.") from None

    async def end_season(self, platform: str, space: str, *, by: str | None) -> Season:
        await self.refresh()
        return await self.seasons.end(platform, space, now=self.now(), by=by, rules=self.rules)

    async def season_table(self, platform: str, space: str) -> Table:
        zone = self.app.settings.zone
        seasons = await self.seasons.list(platform, space)
        rows = tuple((s.name, f"{s.started_at.astimezone(zone):%Y-%m-%d %H:%M}",
                      f"{s.ended_at.astimezone(zone):%Y-%m-%d %H:%M}" if s.ended_at else "open", s.started_by)
                     for s in seasons)
        footer = ("`/drill leaderboard season NAME` shows a past season's final board."
                  if seasons else 'No seasons yet. A lead starts one with `/drill season start "Q1"`.')
        return Table(title="Seasons", columns=("season", "started", "ended", "started by"), rows=rows,
                     footer=f"{footer} Times in {self.app.settings.tz}.")


def _day(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"


async def weekly_board(app: App, platform: str, space: str, *, channel: str | None = None) -> Table:
    """The board for a scheduled weekly post: last week's final board early in the week (Mon–Wed),
    this week so far later on. No viewer, no buttons: it is posted for everyone."""
    period = "last-week" if app.engine.clock.now().astimezone(app.settings.zone).weekday() < 3 else "week"
    return await Leaderboards(app).board(Scope(platform, space, channel), period)

