"""Outbox queries: lease pending messages, renew and release leases, mark them sent, failed or expired."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from bot.clock import iso, parse_iso
from bot.scheduling.models import OutboxRow
from bot.store.sqlite.schedule_rows import marks, outbox_row
from bot.store.sqlite.database import SqliteDatabase


class OutboxQueries:
    """Part of SqliteScheduleStore: every statement on the outbox table alone."""

    db: SqliteDatabase

    async def claim_outbox(self, *, platforms: Collection[str], owner: str, lease_until: datetime, now: datetime,
                           limit: int, run_id: str | None = None) -> list[OutboxRow]:
        """Lease up to `limit` pending rows nobody holds (or whose holder's lease ran out)."""
        if not platforms:
            return []
        names = sorted(platforms)
        only_run = "AND run_id = ?" if run_id else ""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"""UPDATE outbox SET owner = ?, lease_until = ?
                    WHERE id IN (SELECT id FROM outbox
                                 WHERE status = 'pending' AND platform IN ({marks(names)}) {only_run}
                                   AND (lease_until IS NULL OR lease_until <= ?) AND not_before <= ?
                                   AND (expires_at IS NULL OR expires_at > ?)
                                 ORDER BY priority, created_at, position, id LIMIT ? {self.db.dialect.skip_locked})
                    RETURNING *""",
                (owner, iso(lease_until), *names, *([run_id] if run_id else []), iso(now), iso(now), iso(now), limit),
            )
            rows = [outbox_row(r) for r in await cur.fetchall()]
        return sorted(rows, key=lambda r: (r.priority, r.created_at, r.position, r.id))

    async def renew_outbox(self, ids: Sequence[str], *, owner: str, lease_until: datetime) -> set[str]:
        """Extend the lease on rows still ours and pending; returns those ids."""
        if not ids:
            return set()
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"""UPDATE outbox SET lease_until = ? WHERE owner = ? AND status = 'pending' AND id IN ({marks(ids)})
                    RETURNING id""",
                (iso(lease_until), owner, *ids),
            )
            return {r[0] for r in await cur.fetchall()}

    async def release_outbox(self, *, owner: str) -> int:
        """Give back rows we claimed but did not send (a clean stop), so nobody waits for the lease."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET owner = NULL, lease_until = NULL WHERE owner = ? AND status = 'pending'", (owner,))
            return cur.rowcount

    async def finish_outbox(self, row: OutboxRow, status: str, *, now: datetime, message_ref: str | None = None,
                            error: str | None = None) -> bool:
        """Mark a row sent, failed or expired; a finished reveal closes its run in the same transaction."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE outbox SET status = ?, message_ref = COALESCE(?, message_ref), last_error = COALESCE(?, last_error),
                                     sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, owner = NULL, lease_until = NULL
                   WHERE id = ? AND status = 'pending'""",
                (status, message_ref, error, status, iso(now), row.id),
            )
            changed = cur.rowcount == 1
            if changed and row.kind == "reveal" and row.run_id:
                await conn.execute(
                    "UPDATE daily_runs SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'revealing'",
                    (iso(now), row.run_id))
        return changed

    async def retry_outbox(self, row: OutboxRow, *, not_before: datetime, error: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                """UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?, owner = NULL, lease_until = NULL
                   WHERE id = ? AND status = 'pending'""",
                (iso(not_before), error, row.id),
            )

    async def expire_outbox(self, now: datetime) -> list[OutboxRow]:
        """Pending rows past their expiry that nobody is sending become 'expired' (never sent late)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE outbox SET status = 'expired', last_error = 'not sent before it expired'
                   WHERE status = 'pending' AND expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                   RETURNING *""",
                (iso(now), iso(now)),
            )
            rows = [outbox_row(r) for r in await cur.fetchall()]
            for run_id in {r.run_id for r in rows if r.kind == "reveal" and r.run_id}:
                await conn.execute("UPDATE daily_runs SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'revealing'",
                                   (iso(now), run_id))
        return rows

    async def outbox_for_run(self, run_id: str) -> list[OutboxRow]:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM outbox WHERE run_id = ? ORDER BY priority, created_at, position", (run_id,))
            rows = await cur.fetchall()
        return [outbox_row(r) for r in rows]

    async def outbox_backlog(self, *, now: datetime) -> tuple[int, float]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT COUNT(*), MIN(CASE WHEN not_before <= ? THEN not_before END) FROM outbox WHERE status = 'pending'",
                (iso(now),))
            count, oldest = await cur.fetchone()
        waited = (now - parse_iso(oldest)).total_seconds() if oldest else 0.0
        return int(count), max(0.0, waited)

    async def outbox_counts(self, *, platforms: Collection[str] | None = None) -> dict[str, int]:
        """Rows per status (optionally for some platforms): pending, sent, failed, expired."""
        where, params = ("", ()) if not platforms else (f"WHERE platform IN ({marks(list(platforms))})", tuple(platforms))
        async with self.db.reading() as conn:
            cur = await conn.execute(f"SELECT status, COUNT(*) FROM outbox {where} GROUP BY status", params)
            rows = await cur.fetchall()
        return {r[0]: int(r[1]) for r in rows}
