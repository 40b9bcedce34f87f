"""SqliteScheduleStore: every SQL statement of scheduling, on the core's SqliteDatabase.

Written in the subset SQLite and PostgreSQL share. Each cross-process claim is a unique key
(INSERT … ON CONFLICT DO NOTHING RETURNING) or a guarded UPDATE on (owner, lease_until).
Schedules and daily runs are here; outbox and review queries live in store_outbox and
store_reviews and are mixed in, so callers hold one store.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime

from bot.clock import iso
from bot.scheduling.models import DailyRun, OutboxRow, Schedule, ScheduleSpec, days_text
from bot.store.sqlite.outbox import OutboxQueries
from bot.store.sqlite.reviews import ReviewQueries
from bot.store.sqlite.schedule_rows import (
    INSERT_CLAIMED_OUTBOX,
    INSERT_OUTBOX,
    marks,
    outbox_params,
    outbox_row,
    run_row,
    schedule_row,
)
from bot.store.sqlite.database import SqliteDatabase
from bot.store import new_id

log = logging.getLogger(__name__)


class SqliteScheduleStore(OutboxQueries, ReviewQueries):
    """Schedules, daily runs, review batches and the outbox, sharing the core's database."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    # -- schedules -------------------------------------------------------------------------
    async def upsert_schedule(self, spec: ScheduleSpec, *, platform: str, space: str, channel: str,
                              created_by: str | None, now: datetime) -> tuple[Schedule, bool]:
        """Set the channel's schedule; returns it and whether it is new (False: updated)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("SELECT id FROM schedules WHERE platform = ? AND channel = ?", (platform, channel))
            existed = await cur.fetchone() is not None
            cur = await conn.execute(
                """INSERT INTO schedules (id, platform, space, channel, at_time, tz, days, window_minutes, created_by,
                                          created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (platform, channel) DO UPDATE SET
                     space = CASE WHEN excluded.space = '' THEN schedules.space ELSE excluded.space END,
                     at_time = excluded.at_time, tz = excluded.tz, days = excluded.days,
                     window_minutes = excluded.window_minutes, updated_at = excluded.updated_at
                   RETURNING *""",
                (_schedule_id(), platform, space, channel, f"{spec.at:%H:%M}", spec.tz, days_text(spec.days),
                 spec.window_minutes, created_by, iso(now), iso(now)),
            )
            row = await cur.fetchone()
        return schedule_row(row), not existed

    async def schedules(self) -> list[Schedule]:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM schedules ORDER BY platform, channel")
            rows = await cur.fetchall()
        return [schedule_row(r) for r in rows]

    async def get_schedule(self, schedule_id: str) -> Schedule | None:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
            row = await cur.fetchone()
        return schedule_row(row) if row else None

    async def schedule_for_channel(self, platform: str, channel: str) -> Schedule | None:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM schedules WHERE platform = ? AND channel = ?", (platform, channel))
            row = await cur.fetchone()
        return schedule_row(row) if row else None

    async def remove_schedule(self, schedule_id: str) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            return cur.rowcount == 1

    # -- the weekly board ------------------------------------------------------------------
    async def set_board(self, schedule_id: str, *, day: int | None, here: bool = False, space: str = "",
                        now: datetime) -> Schedule | None:
        """Turn the schedule's weekly board on (a weekday) or off (None); None when no such schedule.
        `space` fills in a workspace the schedule lacks (one added by the CLI without --space)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE schedules SET board_day = ?, board_here = ?, board_since = ?,
                                        space = CASE WHEN space = '' THEN ? ELSE space END
                   WHERE id = ? RETURNING *""",
                (day, int(here and day is not None), iso(now) if day is not None else None, space, schedule_id))
            row = await cur.fetchone()
        return schedule_row(row) if row else None

    async def queue_board(self, post: OutboxRow) -> bool:
        """The week's claim and the board's outbox row in one insert: True for whoever wrote it first."""
        assert post.claim_key, "a board post needs its claim key"
        async with self.db.transaction() as conn:
            cur = await conn.execute(INSERT_CLAIMED_OUTBOX, outbox_params(post))
            return await cur.fetchone() is not None

    async def board_posts(self, schedule_id: str, *, limit: int = 1) -> list[OutboxRow]:
        """The schedule's board posts, newest first (for `show` and `list`)."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT * FROM outbox WHERE schedule_id = ? AND kind = 'board' ORDER BY created_at DESC, id LIMIT ?",
                (schedule_id, limit))
            rows = await cur.fetchall()
        return [outbox_row(r) for r in rows]

    # -- daily runs ------------------------------------------------------------------------
    async def claim_run(self, schedule: Schedule, *, local_date: date, due_at: datetime, closes_at: datetime,
                        owner: str, lease_until: datetime, now: datetime) -> DailyRun | None:
        """The unique claim on (schedule, local date): the run, or None when it was claimed before."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO daily_runs (id, schedule_id, local_date, platform, space, channel, tz, status, owner,
                                           lease_until, due_at, closes_at, claimed_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (schedule_id, local_date) DO NOTHING
                   RETURNING *""",
                (new_id(), schedule.id, local_date.isoformat(), schedule.platform, schedule.space, schedule.channel,
                 schedule.tz, owner, iso(lease_until), iso(due_at), iso(closes_at), iso(now), iso(now)),
            )
            row = await cur.fetchone()
        return run_row(row) if row else None

    async def get_run(self, schedule_id: str, local_date: date) -> DailyRun | None:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM daily_runs WHERE schedule_id = ? AND local_date = ?",
                                     (schedule_id, local_date.isoformat()))
            row = await cur.fetchone()
        return run_row(row) if row else None

    async def take_over_stale_runs(self, *, owner: str, lease_until: datetime, now: datetime) -> list[DailyRun]:
        """Claimed runs whose owner stopped renewing (a crash): their lease passes to `owner`."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE daily_runs SET owner = ?, lease_until = ?, updated_at = ?
                   WHERE status = 'claimed' AND lease_until <= ? RETURNING *""",
                (owner, iso(lease_until), iso(now), iso(now)),
            )
            rows = await cur.fetchall()
        return [run_row(r) for r in rows]

    async def channel_history(self, platform: str, channel: str, *, limit: int = 5000) -> list[tuple[str, int]]:
        """(drill_id, cycle) of the channel's prepared runs, newest first."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                """SELECT drill_id, cycle FROM daily_runs
                   WHERE platform = ? AND channel = ? AND drill_id IS NOT NULL AND status != 'missed'
                   ORDER BY claimed_at DESC, id DESC LIMIT ?""",
                (platform, channel, limit),
            )
            rows = await cur.fetchall()
        return [(r[0], int(r[1] or 1)) for r in rows]

    async def record_run_post(self, run_id: str, *, owner: str, drill_id: str, cycle: int, post: OutboxRow,
                              now: datetime) -> bool:
        """Make the run ready and write its channel post to the outbox, only while `owner` holds it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE daily_runs SET status = 'ready', drill_id = ?, cycle = ?, delivery_id = ?, owner = NULL,
                                         lease_until = NULL, updated_at = ?
                   WHERE id = ? AND owner = ? AND status = 'claimed'""",
                (drill_id, cycle, post.delivery_id, iso(now), run_id, owner),
            )
            if cur.rowcount != 1:
                return False
            await conn.execute(INSERT_OUTBOX, outbox_params(post))
        return True

    async def set_run_status(self, run_id: str, status: str, *, expected: Collection[str], now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"""UPDATE daily_runs SET status = ?, owner = NULL, lease_until = NULL, updated_at = ?
                    WHERE id = ? AND status IN ({marks(list(expected))})""",
                (status, iso(now), run_id, *expected),
            )
            return cur.rowcount == 1

    async def runs_to_reveal(self, now: datetime) -> list[tuple[DailyRun, OutboxRow | None]]:
        """Ready runs whose window has closed, each with its channel post row."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT * FROM daily_runs WHERE status = 'ready' AND closes_at <= ? ORDER BY closes_at", (iso(now),))
            runs = [run_row(r) for r in await cur.fetchall()]
            out = []
            for run in runs:
                cur = await conn.execute("SELECT * FROM outbox WHERE delivery_id = ? AND kind = 'channel'", (run.delivery_id,))
                row = await cur.fetchone()
                out.append((run, outbox_row(row) if row else None))
        return out

    async def queue_reveal(self, run_id: str, reveal: OutboxRow, *, now: datetime) -> bool:
        """The reveal's claim: the run moves ready → revealing and the reveal row is written, once."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE daily_runs SET status = 'revealing', updated_at = ? WHERE id = ? AND status = 'ready'",
                (iso(now), run_id))
            if cur.rowcount != 1:
                return False
            await conn.execute(INSERT_OUTBOX, outbox_params(reveal))
        return True

    async def link_members(self, schedule_id: str, delivery_id: str, *, now: datetime) -> int:
        """Members who answered this channel post now take their review time from its schedule."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO member_channels (member_id, schedule_id, updated_at)
                   SELECT DISTINCT a.member_id, ?, ? FROM answers a JOIN members m ON m.id = a.member_id
                   WHERE a.delivery_id = ?
                   ON CONFLICT (member_id) DO UPDATE SET schedule_id = excluded.schedule_id,
                                                         updated_at = excluded.updated_at""",
                (schedule_id, iso(now), delivery_id),
            )
            return cur.rowcount

    async def runs_for(self, schedule_id: str, *, limit: int = 1) -> list[DailyRun]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT * FROM daily_runs WHERE schedule_id = ? ORDER BY local_date DESC LIMIT ?", (schedule_id, limit))
            rows = await cur.fetchall()
        return [run_row(r) for r in rows]

    # -- claims across runs, batches and the outbox ------------------------------------------
    async def unfinished_claims(self) -> int:
        """Runs and review batches claimed but not yet written to the outbox."""
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT (SELECT COUNT(*) FROM daily_runs WHERE status = 'claimed') + "
                "(SELECT COUNT(*) FROM review_batches WHERE status = 'claimed')")
            row = await cur.fetchone()
        return int(row[0])

    async def release_claims(self, *, owner: str, now: datetime) -> dict[str, int]:
        """A clean stop: hand back claimed runs and batches at once instead of after the lease.

        Returns what was handed back, by kind (daily runs, review batches, unsent messages)."""
        handed: dict[str, int] = {}
        async with self.db.transaction() as conn:
            for table in ("daily_runs", "review_batches"):
                cur = await conn.execute(f"UPDATE {table} SET lease_until = ? WHERE owner = ? AND status = 'claimed'",
                                         (iso(now), owner))
                handed[table] = cur.rowcount
            cur = await conn.execute(
                "UPDATE outbox SET owner = NULL, lease_until = NULL WHERE owner = ? AND status = 'pending'", (owner,))
            handed["messages"] = cur.rowcount
        return handed


def _schedule_id() -> str:
    """A short id people type after `saga-drills schedule …`; never with a leading '-', which
    argparse would read as an option."""
    while (sid := new_id(6)).startswith("-"):
        pass
    return sid
