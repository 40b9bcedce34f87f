"""SqliteSeasonStore: season rows and tallies; a race on the unique key becomes StoreConflict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import iso, parse_iso
from bot.leaderboard.scoring import IngestRules
from bot.leaderboard.seasons import Season, SeasonError, clean_name
from bot.store import StoreConflict, new_id
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.ingest import ingest_batch

_SELECT = """SELECT s.id, s.platform, s.space, s.name, s.started_at, s.ended_at,
                    COALESCE(NULLIF(m.display_name, ''), m.user_id, 'the CLI') AS started_by
             FROM seasons s LEFT JOIN members m ON m.id = s.started_by"""


def _season(row: Any) -> Season:
    return Season(id=row[0], platform=row[1], space=row[2], name=row[3], started_at=parse_iso(row[4]),
                  ended_at=parse_iso(row[5]) if row[5] else None, started_by=row[6])


class SqliteSeasonStore:
    """Season rows and their tallies; start and end fold pending answers in the same transaction."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    async def list(self, platform: str, space: str) -> list[Season]:
        """Newest first."""
        async with self.db.reading() as conn:
            cur = await conn.execute(f"{_SELECT} WHERE s.platform = ? AND s.space = ? ORDER BY s.started_at DESC, s.id",
                                     (platform, space))
            return [_season(r) for r in await cur.fetchall()]

    async def current_or_latest(self, platform: str, space: str, *, name: str | None = None) -> Season | None:
        """The open season, else the most recently started one; or the one called `name`."""
        seasons = await self.list(platform, space)
        if name is not None:
            wanted = " ".join(name.split()).casefold()
            return next((s for s in seasons if s.name.casefold() == wanted), None)
        return next((s for s in seasons if s.open), seasons[0] if seasons else None)

    async def start(self, platform: str, space: str, name: str, *, now: datetime, by: str | None,
                    rules: IngestRules) -> Season:
        """Open a season; its board counts answers folded in after this moment."""
        name = clean_name(name)
        async with self.db.transaction() as conn:
            # Answers recorded before the start belong to the time before it: fold them first.
            while await ingest_batch(conn, rules, dialect=self.db.dialect):
                pass
            cur = await conn.execute(f"{_SELECT} WHERE s.platform = ? AND s.space = ? AND (s.ended_at IS NULL OR lower(s.name) = lower(?))",
                                     (platform, space, name))
            clash = [_season(r) for r in await cur.fetchall()]
            for other in clash:
                if other.open:
                    raise SeasonError(f"Season “{other.name}” is still open (since {other.started_at:%d %b %Y}). "
                                      "End it first with `/drill season end`.")
                raise SeasonError(f"There already was a season called “{other.name}”; pick another name, e.g. “{name} {now:%Y}”.")
            season_id = new_id()
            try:
                await conn.execute(
                    "INSERT INTO seasons (id, platform, space, name, started_at, started_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (season_id, platform, space, name, iso(now), by))
            except self.db.dialect.integrity_errors:  # another process opened one between our check and insert
                raise StoreConflict(f"another season was just started on {platform}:{space}") from None
            await conn.execute(
                """INSERT INTO season_tallies (season_id, phase, channel, person, points, answered, correct, reviews)
                   SELECT ?, 'start', channel, person, points, answered, correct, reviews
                   FROM board_totals WHERE platform = ? AND space = ?""", (season_id, platform, space))
        return Season(id=season_id, platform=platform, space=space, name=name, started_at=now, ended_at=None,
                      started_by=by or "the CLI")

    async def end(self, platform: str, space: str, *, now: datetime, by: str | None, rules: IngestRules) -> Season:
        """Close the open season and freeze its board (final tallies replace the start rows)."""
        async with self.db.transaction() as conn:
            while await ingest_batch(conn, rules, dialect=self.db.dialect):
                pass
            cur = await conn.execute(f"{_SELECT} WHERE s.platform = ? AND s.space = ? AND s.ended_at IS NULL", (platform, space))
            row = await cur.fetchone()
            if row is None:
                raise SeasonError('No season is open here. A lead starts one with `/drill season start "NAME"`.')
            season = _season(row)
            await conn.execute(
                """INSERT INTO season_tallies (season_id, phase, channel, person, points, answered, correct, reviews)
                   SELECT ?, 'final', t.channel, t.person, t.points - COALESCE(s.points, 0), t.answered - COALESCE(s.answered, 0),
                          t.correct - COALESCE(s.correct, 0), t.reviews - COALESCE(s.reviews, 0)
                   FROM board_totals t LEFT JOIN season_tallies s
                     ON s.season_id = ? AND s.phase = 'start' AND s.channel = t.channel AND s.person = t.person
                   WHERE t.platform = ? AND t.space = ? AND t.answered - COALESCE(s.answered, 0) > 0""",
                (season.id, season.id, platform, space))
            await conn.execute("DELETE FROM season_tallies WHERE season_id = ? AND phase = 'start'", (season.id,))
            await conn.execute("UPDATE seasons SET ended_at = ?, ended_by = ? WHERE id = ?", (iso(now), by, season.id))
        return Season(id=season.id, platform=platform, space=space, name=season.name, started_at=season.started_at,
                      ended_at=now, started_by=season.started_by)
