"""Review queries: who may get review DMs now and which cards, and the one-batch-a-day claim."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from bot.clock import iso
from bot.scheduling.models import OutboxRow, ReviewSlot
from bot.store.sqlite.schedule_rows import INSERT_OUTBOX, marks, outbox_params
from bot.store.sqlite.database import SqliteDatabase
from bot.store import new_id


class ReviewQueries:
    """Part of SqliteScheduleStore: planning reads and the review_batches claims."""

    db: SqliteDatabase

    async def review_pairs(self, *, platforms: Collection[str], default_at: str, default_tz: str) -> list[tuple[str, str]]:
        """Distinct (review time, zone) of members on `platforms`; few, so the rest is Python."""
        if not platforms:
            return []
        names = sorted(platforms)
        async with self.db.reading() as conn:
            cur = await conn.execute(
                f"""SELECT DISTINCT COALESCE(s.at_time, ?), COALESCE(m.tz, s.tz, ?)
                    FROM members m LEFT JOIN member_channels l ON l.member_id = m.id
                    LEFT JOIN schedules s ON s.id = l.schedule_id
                    WHERE m.platform IN ({marks(names)})""",
                (default_at, default_tz, *names),
            )
            rows = await cur.fetchall()
        return [(r[0], r[1]) for r in rows]

    async def due_for_review(self, slots: Sequence[ReviewSlot], *, platforms: Collection[str], active: Collection[str],
                             default_at: str, default_tz: str, now: datetime) -> list[tuple[str, int, str, str]]:
        """Every due card of an active family held by an eligible member: (member_id, index into
        `slots`, family_id, due as stored).

        Eligible: on `platforms`, in an open slot, not paused, no batch yet for that local date.
        One statement: the slots are a VALUES list, `eligible` is materialized once (so its
        checks run per member, not per card), and cards come from the (member_id, due, drill_id)
        index. The daily cap is applied by the caller: ranking in SQL (ROW_NUMBER) sorts every
        row and cost twice as much at 100,000 members (benchmarks/plan_reviews.py).
        """
        if not slots or not active or not platforms:
            return []
        names, families = sorted(platforms), sorted(active)
        # The slot number is typed: PostgreSQL reads an untyped VALUES parameter as text.
        values = ", ".join("(CAST(? AS INTEGER), ?, ?, ?)" for _ in slots)
        slot_params = [p for k, s in enumerate(slots) for p in (k, s.at, s.tz, s.local_date.isoformat())]
        sql = f"""
            WITH slot (k, at_time, tz, local_date) AS (VALUES {values}),
            eligible AS MATERIALIZED (
                SELECT m.id AS member_id, slot.k
                FROM members m
                LEFT JOIN member_channels l ON l.member_id = m.id
                LEFT JOIN schedules s ON s.id = l.schedule_id
                JOIN slot ON slot.at_time = COALESCE(s.at_time, ?) AND slot.tz = COALESCE(m.tz, s.tz, ?)
                WHERE m.platform IN ({marks(names)})
                  AND (m.paused_until IS NULL OR m.paused_until <= ?)
                  AND NOT EXISTS (SELECT 1 FROM review_batches b
                                  WHERE b.member_id = m.id AND b.local_date = slot.local_date)
            )
            SELECT e.member_id, e.k, c.family_id, c.due
            FROM eligible e JOIN review_cards c ON c.member_id = e.member_id
            WHERE c.due <= ? AND c.family_id IN ({marks(families)})"""
        params = (*slot_params, default_at, default_tz, *names, iso(now), iso(now), *families)
        async with self.db.reading() as conn:
            cur = await conn.execute(sql, params)
            cur.row_factory = None  # plain tuples: ~170,000 rows at 100,000 members
            rows = await cur.fetchall()
        return rows  # type: ignore[return-value]

    async def member_targets(self, member_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """member id → (platform, space, user_id): where a member's DMs go."""
        if not member_ids:
            return {}
        async with self.db.reading() as conn:
            cur = await conn.execute(
                f"SELECT id, platform, space, user_id FROM members WHERE id IN ({marks(member_ids)})", tuple(member_ids))
            rows = await cur.fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    async def claim_batches(self, wanted: Sequence[tuple[str, date, str, datetime]], *, owner: str,
                            lease_until: datetime, now: datetime) -> dict[str, str]:
        """Claim (member, local date, zone, expires) batches; returns member_id → batch id for the ones won."""
        if not wanted:
            return {}
        values = ", ".join("(?, ?, ?, ?, 'claimed', ?, ?, ?, ?)" for _ in wanted)
        params = [p for member_id, day, zone, expires in wanted
                  for p in (new_id(), member_id, day.isoformat(), zone, owner, iso(lease_until), iso(expires), iso(now))]
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"""INSERT INTO review_batches (id, member_id, local_date, zone, status, owner, lease_until, expires_at, created_at)
                    VALUES {values} ON CONFLICT (member_id, local_date) DO NOTHING RETURNING member_id, id""",
                params,
            )
            return {r[0]: r[1] for r in await cur.fetchall()}

    async def record_batch(self, batch_id: str, *, owner: str, rows: Sequence[OutboxRow]) -> bool:
        """Write a batch's DMs to the outbox and mark it ready, only while `owner` holds it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE review_batches SET status = 'ready', cards = ?, owner = NULL, lease_until = NULL
                   WHERE id = ? AND owner = ? AND status = 'claimed'""",
                (len(rows), batch_id, owner),
            )
            if cur.rowcount != 1:
                return False
            if rows:
                await conn.executemany(INSERT_OUTBOX, [outbox_params(r) for r in rows])
        return True

    async def drop_stale_batches(self, *, now: datetime) -> int:
        """Claims on batches whose owner died before recording them (nothing was written to the
        outbox yet): dropped, so the member is planned again under the same unique key."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM review_batches WHERE status = 'claimed' AND lease_until <= ?", (iso(now),))
            return cur.rowcount
