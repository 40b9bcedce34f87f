"""The leaderboard feature's store ports: boards and seasons (SQLite's are bot/store/sqlite/boards.py, seasons.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

    from bot.content.models import Tier
    from bot.leaderboard.periods import Window
    from bot.leaderboard.scope import Scope, SeasonRef
    from bot.leaderboard.scoring import BoardRow, IngestRules, Ranked
    from bot.leaderboard.seasons import Season


class BoardStore(Protocol):
    """What the leaderboards need stored: the folded board tables and the reads over them."""

    async def refresh(self, rules: IngestRules, *, progress: Callable[[int, int], None] | None=None) -> int:
        """Fold every unseen answer in, one short transaction per batch; returns how many."""

    async def pending(self) -> int:
        """About how many answers are not folded in yet (for progress on a first catch-up)."""

    async def scopes(self) -> list[tuple[str, str, int]]:
        """(platform, space, counted answers) for every scope with answers on the board."""

    async def board_rows(
        self, scope: Scope, *, window: Window | None = None, season: SeasonRef | None = None,
    ) -> list[BoardRow]:
        """Each visible member's sums for the scope over a period, in board order (scoring.rank_rows' order)."""

    async def board_page(
        self, scope: Scope, *, window: Window | None = None, season: SeasonRef | None = None, top: int, viewer: str | None = None,
    ) -> tuple[list[Ranked], Ranked | None, int]:
        """(the top rows, the viewer's row, how many are ranked), ranked in SQL: a board without its"""

    async def member_visibility(self, member_id: str) -> bool | None:
        """True when the member may show on boards, False when hidden, None when unknown."""

    async def held_counts(
        self, member_ids: Iterable[str], *, tiers: Mapping[Tier, Sequence[str]], now: datetime, horizon: float, scope: Scope | None = None,
    ) -> dict[str, dict[Tier, int]]:
        """Held drills per tier for each member, the engine's rule in SQL (see srs.hold_horizon)."""

    async def option_picks(
        self, platform: str, space: str, *, window: Window | None = None,
    ) -> dict[tuple[str, int], int]:
        """How often each (drill, option) was picked as a first answer in the scope."""

    async def people_per_drill(
        self, platform: str, space: str, *, window: Window | None = None,
    ) -> dict[str, list[str]]:
        """The distinct people (anonymized ones included) who answered each drill in the scope."""

    async def pseudonym_salt(self) -> str:
        """A random per-database salt for export pseudonyms, created once (a unique key, so once)."""

    async def member_figures(self) -> list[dict[str, Any]]:
        """Every member with answer counts and first/last answer instants (for export)."""

    async def drill_people_counts(self) -> dict[str, tuple[int, int, int]]:
        """Per drill over every scope: (answers, right, people who answered)."""

    async def all_option_picks(self) -> dict[tuple[str, int], int]: ...



class SeasonStore(Protocol):
    """Season rows and tallies; start raises StoreConflict when another process won the race."""

    async def list(self, platform: str, space: str) -> list[Season]:
        """Newest first."""

    async def current_or_latest(self, platform: str, space: str, *, name: str | None = None) -> Season | None:
        """The open season, else the most recently started one; or the one called `name`."""

    async def start(
        self, platform: str, space: str, name: str, *, now: datetime, by: str | None, rules: IngestRules,
    ) -> Season:
        """Open a season; its board counts answers folded in after this moment."""

    async def end(self, platform: str, space: str, *, now: datetime, by: str | None, rules: IngestRules) -> Season:
        """Close the open season and freeze its board (final tallies replace the start rows)."""
