"""SqliteBoardStore: the leaderboard's SQL over the shared SqliteDatabase (tables of 0003)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.content.models import Tier
from bot.leaderboard.periods import Window
from bot.leaderboard.scope import Scope, SeasonRef
from bot.leaderboard.scoring import BoardRow, IngestRules, Ranked
from bot.store.sqlite.ingest import ALL_CHANNELS, CHUNK, ingest_batch, pending
from bot.store.sqlite.database import SqliteDatabase

log = logging.getLogger(__name__)

# Members shown on boards: not opted out, and never the anonymous rows forget-me leaves.
_VISIBLE = "m.opted_out = 0 AND m.id NOT LIKE 'anonymous:%'"


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class SqliteBoardStore:
    """Board, report and export queries. Every read first folds new answers in (`refresh`)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    # -- keeping the projection current ------------------------------------------------------
    async def refresh(self, rules: IngestRules, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Fold every unseen answer in, one short transaction per batch; returns how many."""
        async with self.db.reading() as conn:
            todo = await pending(conn, self.db.dialect)
        done = 0
        while True:
            async with self.db.transaction() as conn:
                folded = await ingest_batch(conn, rules, dialect=self.db.dialect)
            if not folded:
                return done
            done += folded
            if progress:
                progress(done, max(todo, done))

    async def pending(self) -> int:
        """About how many answers are not folded in yet (for progress on a first catch-up)."""
        async with self.db.reading() as conn:
            return await pending(conn, self.db.dialect)

    async def scopes(self) -> list[tuple[str, str, int]]:
        """(platform, space, counted answers) for every scope with answers on the board."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT platform, space, SUM(answered) FROM board_totals WHERE channel = ? GROUP BY platform, space ORDER BY 3 DESC, 1, 2",
                (ALL_CHANNELS,))
            return [(r[0], r[1], int(r[2])) for r in await cur.fetchall()]

    # -- boards ------------------------------------------------------------------------------
    async def board_rows(self, scope: Scope, *, window: Window | None = None, season: SeasonRef | None = None) -> list[BoardRow]:
        """Each visible member's sums for the scope over a period, in board order (scoring.rank_rows' order)."""
        source, params = _board_source(scope, window, season)
        async with self.db.reading() as conn:
            cur = await conn.execute(f"{source} ORDER BY {_BOARD_ORDER}", params)
            rows = await cur.fetchall()
        return [BoardRow(*r) for r in rows]

    async def board_page(self, scope: Scope, *, window: Window | None = None, season: SeasonRef | None = None,
                         top: int, viewer: str | None = None) -> tuple[list[Ranked], Ranked | None, int]:
        """(the top rows, the viewer's row, how many are ranked), ranked in SQL: a board without its
        picture moves a dozen rows out of the database instead of one per member."""
        source, params = _board_source(scope, window, season)
        sql = f"""SELECT id, name, points, answered, correct, reviews, place, total FROM (
                    SELECT b.*, RANK() OVER (ORDER BY {_BOARD_SCORE}) AS place,
                           ROW_NUMBER() OVER (ORDER BY {_BOARD_ORDER}) AS pos, COUNT(*) OVER () AS total
                    FROM ({source}) b) ranked
                  WHERE pos <= ? OR id = ? ORDER BY pos"""
        async with self.db.reading() as conn:
            cur = await conn.execute(sql, (*params, top, viewer))
            rows = await cur.fetchall()
        ranked = [(Ranked(rank=int(r[6]), row=BoardRow(*r[:6])), int(r[7])) for r in rows]
        shown = [entry for entry, _ in ranked[:top]]
        mine = next((entry for entry, _ in ranked if entry.row.member_id == viewer), None) if viewer else None
        return shown, mine, ranked[0][1] if ranked else 0

    async def member_visibility(self, member_id: str) -> bool | None:
        """True when the member may show on boards, False when hidden, None when unknown."""
        async with self.db.reading() as conn:
            cur = await conn.execute(f"SELECT {_VISIBLE} FROM members m WHERE m.id = ?", (member_id,))
            row = await cur.fetchone()
        return None if row is None else bool(row[0])

    # -- altitude ----------------------------------------------------------------------------
    async def held_counts(self, member_ids: Iterable[str], *, tiers: Mapping[Tier, Sequence[str]], now: datetime,
                          horizon: float, scope: Scope | None = None) -> dict[str, dict[Tier, int]]:
        """Held families per tier for each member, the engine's rule in SQL (see srs.hold_horizon).

        A card holds when its latest answer was right and the whole days since its last review
        are at most stability x horizon; only families listed in `tiers` (the active ones) count.
        With `scope`, one range scan over the scope's member keys ("platform:space:user")
        replaces many IN lists: the way to ask for a whole team.
        """
        wanted = set(member_ids)
        order = list(Tier)
        cases = ", ".join(
            f"SUM(CASE WHEN family_id IN ({_marks(tiers.get(t, ())) or 'NULL'}) THEN 1 ELSE 0 END)" for t in order)
        case_params = [d for t in order for d in tiers.get(t, ())]
        held = ("last_correct = 1 AND stability IS NOT NULL AND last_review IS NOT NULL"
                f" AND {self.db.dialect.held_days} <= stability * ?")
        if scope is not None:
            prefix = f"{scope.platform}:{scope.space}:"
            filters = [("member_id >= ? AND member_id < ?", (prefix, prefix[:-1] + ";"))]
        else:
            ids = sorted(wanted)
            filters = [(f"member_id IN ({_marks(ids[i:i + CHUNK])})", tuple(ids[i:i + CHUNK])) for i in range(0, len(ids), CHUNK)]
        out: dict[str, dict[Tier, int]] = {}
        async with self.db.reading() as conn:
            for where, params in filters:
                cur = await conn.execute(
                    f"SELECT member_id, {cases} FROM review_cards WHERE {where} AND {held} GROUP BY member_id",
                    (*case_params, *params, iso(now), horizon))
                for r in await cur.fetchall():
                    if r[0] in wanted:
                        out[r[0]] = {t: int(r[1 + k] or 0) for k, t in enumerate(order)}
        return out

    # -- report figures ----------------------------------------------------------------------
    async def option_picks(self, platform: str, space: str, *, window: Window | None = None) -> dict[tuple[str, int], int]:
        """How often each (drill, option) was picked as a first answer in the scope."""
        if window is None or (window.start is None and window.end is None):
            sql = "SELECT drill_id, option_index, picks FROM board_option_picks WHERE platform = ? AND space = ?"
            params: tuple[Any, ...] = (platform, space)
        else:
            bounds, bparams = _bounds("b", window)
            sql = f"""SELECT b.drill_id, b.option_index, COUNT(*) FROM board_points b
                      WHERE b.platform = ? AND b.space = ?{bounds} GROUP BY b.drill_id, b.option_index"""
            params = (platform, space, *bparams)
        async with self.db.reading() as conn:
            cur = await conn.execute(sql, params)
            return {(r[0], int(r[1])): int(r[2]) for r in await cur.fetchall()}

    async def people_per_drill(self, platform: str, space: str, *, window: Window | None = None) -> dict[str, list[str]]:
        """The distinct people (anonymized ones included) who answered each drill in the scope.

        One grouped row per drill keeps the fetch small; topic and trap unions are taken in
        Python (report.union_counts), where a union over a few drills costs microseconds.
        """
        if window is None or (window.start is None and window.end is None):
            sql = f"""SELECT drill_id, {self.db.dialect.group_concat('person')} FROM board_drill_people
                     WHERE platform = ? AND space = ? GROUP BY drill_id"""
            params: tuple[Any, ...] = (platform, space)
        else:
            bounds, bparams = _bounds("b", window)
            sql = f"""SELECT b.drill_id, {self.db.dialect.group_concat('b.person', distinct=True)} FROM board_points b
                      WHERE b.platform = ? AND b.space = ?{bounds} GROUP BY b.drill_id"""
            params = (platform, space, *bparams)
        async with self.db.reading() as conn:
            cur = await conn.execute(sql, params)
            # Person ids are URL-safe tokens, never containing group_concat's comma.
            return {r[0]: r[1].split(",") for r in await cur.fetchall() if r[1]}

    # -- export ------------------------------------------------------------------------------
    async def pseudonym_salt(self) -> str:
        """A random per-database salt for export pseudonyms, created once (a unique key, so once)."""
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO board_state (name, value) VALUES ('pseudonym_salt', ?) ON CONFLICT (name) DO NOTHING",
                               (secrets.token_hex(16),))
            cur = await conn.execute("SELECT value FROM board_state WHERE name = 'pseudonym_salt'")
            return str((await cur.fetchone())[0])

    async def member_figures(self) -> list[dict[str, Any]]:
        """Every member with answer counts and first/last answer instants (for export)."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                """SELECT m.id, m.display_name, m.platform, m.space, m.opted_out, m.created_at,
                          COUNT(a.id), COALESCE(SUM(a.correct), 0), MIN(a.answered_at), MAX(a.answered_at)
                   FROM members m LEFT JOIN answers a ON a.member_id = m.id
                   GROUP BY m.id, m.display_name, m.platform, m.space, m.opted_out, m.created_at ORDER BY m.id""")
            rows = await cur.fetchall()
        keys = ("id", "display_name", "platform", "space", "opted_out", "created_at", "answers", "correct", "first", "last")
        return [dict(zip(keys, tuple(r))) for r in rows]

    async def drill_people_counts(self) -> dict[str, tuple[int, int, int]]:
        """Per drill over every scope: (answers, right, people who answered)."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT drill_id, SUM(answered), SUM(correct), COUNT(*) FROM board_drill_people GROUP BY drill_id")
            return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in await cur.fetchall()}

    async def all_option_picks(self) -> dict[tuple[str, int], int]:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT drill_id, option_index, SUM(picks) FROM board_option_picks GROUP BY drill_id, option_index")
            return {(r[0], int(r[1])): int(r[2]) for r in await cur.fetchall()}


# Board order: score, then accuracy (equal ratios are equal doubles), then name; rank ties on the first two.
# DOUBLE PRECISION: SQLite reads it as REAL (a double); PostgreSQL's REAL would be single precision.
_BOARD_SCORE = "b.points DESC, CAST(b.correct AS DOUBLE PRECISION) / b.answered DESC"
_BOARD_ORDER = f"{_BOARD_SCORE}, lower(b.name), b.id"


def _board_source(scope: Scope, window: Window | None, season: SeasonRef | None) -> tuple[str, tuple[Any, ...]]:
    """SQL for the visible members' sums (id, name, points, answered, correct, reviews), aliased `b` when ordered."""
    channel = scope.channel if scope.channel is not None else ALL_CHANNELS
    if season is not None and season.open:
        inner = """SELECT t.person, t.points - COALESCE(s.points, 0) AS points, t.answered - COALESCE(s.answered, 0) AS answered,
                          t.correct - COALESCE(s.correct, 0) AS correct, t.reviews - COALESCE(s.reviews, 0) AS reviews
                   FROM board_totals t LEFT JOIN season_tallies s
                     ON s.season_id = ? AND s.phase = 'start' AND s.channel = t.channel AND s.person = t.person
                   WHERE t.platform = ? AND t.space = ? AND t.channel = ?"""
        params: tuple[Any, ...] = (season.id, scope.platform, scope.space, channel)
    elif season is not None:
        inner = """SELECT s.person, s.points, s.answered, s.correct, s.reviews FROM season_tallies s
                   WHERE s.season_id = ? AND s.phase = 'final' AND s.channel = ?"""
        params = (season.id, channel)
    elif window is None or (window.start is None and window.end is None):
        inner = """SELECT t.person, t.points, t.answered, t.correct, t.reviews FROM board_totals t
                   WHERE t.platform = ? AND t.space = ? AND t.channel = ?"""
        params = (scope.platform, scope.space, channel)
    else:
        bounds, bparams = _bounds("p", window)
        chan = " AND p.channel = ?" if scope.channel is not None else ""
        inner = f"""SELECT p.person, SUM(p.points) AS points, SUM(p.counted) AS answered,
                           SUM(p.correct * p.counted) AS correct, SUM(p.review_pass) AS reviews
                    FROM board_points p WHERE p.platform = ? AND p.space = ?{bounds}{chan} GROUP BY p.person"""
        params = (scope.platform, scope.space, *bparams, *((scope.channel,) if scope.channel is not None else ()))
    source = f"""SELECT * FROM (
                   SELECT m.id AS id, COALESCE(NULLIF(m.display_name, ''), m.user_id) AS name, x.points AS points,
                          x.answered AS answered, x.correct AS correct, x.reviews AS reviews
                   FROM ({inner}) x JOIN board_people bp ON bp.person = x.person JOIN members m ON m.id = bp.member_id
                   WHERE x.answered > 0 AND {_VISIBLE}) b"""
    return source, params


def _bounds(alias: str, window: Window) -> tuple[str, tuple[str, ...]]:
    sql, params = "", []
    if window.start is not None:
        sql += f" AND {alias}.answered_at >= ?"
        params.append(iso(window.start))
    if window.end is not None:
        sql += f" AND {alias}.answered_at < ?"
        params.append(iso(window.end))
    return sql, tuple(params)
