"""SqliteStore: the embedded default store, with group commit on the answer path."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

from bot.clock import iso, parse_iso
from bot.messages import MemberRef
from bot.store import (
    AnswerRecord,
    CardState,
    Delivery,
    ExportRow,
    MemberRow,
    MemberSnapshot,
    RecordResult,
    ReviewFn,
    T,
    new_id,
    same,
)
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.answers import AnswerWriter
from bot.store.sqlite.deliveries import DeliveryWriter
from bot.store.sqlite.families import FamilyCards
from bot.store.sqlite.inbound import InboundClaims
from bot.store.sqlite.members import MemberUpserts
from bot.store.sqlite.rows import card_from, delivery_from, member_from
from bot.store.sqlite.snapshots import SnapshotCache
from bot.store.sqlite.tuning import SWITCH_INTERVAL_S, tune_interpreter

log = logging.getLogger(__name__)


class SqliteStore(FamilyCards):
    """The Store protocol on one SQLite file; answers go through the group commit of AnswerWriter."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._deliveries: dict[str, Delivery] = {}
        # Rows this process wrote, keyed by member id: the answer path needs only id and zone,
        # which only this member's own events change. Flags are re-read where they matter.
        self._members: dict[str, MemberRow] = {}
        self._snapshots = SnapshotCache()
        self._answers = AnswerWriter(db, self._snapshots)
        self._inbound = InboundClaims(db)
        self._new_deliveries = DeliveryWriter(db)
        self._seen_members = MemberUpserts(db)

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStore:
        return cls(await SqliteDatabase.open(path))

    async def close(self) -> None:
        await self._answers.drain()
        await self._inbound.drain()
        await self._new_deliveries.drain()
        await self._seen_members.drain()
        await self.db.close()

    async def backup(self, path: Path) -> None:
        await self.db.backup(path)

    def serving(self) -> str | None:
        """The interpreter settings AnswerWriter's overlap with SQLite's thread relies on (tuning.py)."""
        frozen = tune_interpreter()
        return f"GIL switch interval {SWITCH_INTERVAL_S * 1000:.1f} ms, {frozen} startup objects frozen"

    # -- members ---------------------------------------------------------------------------
    async def ensure_member(self, ref: MemberRef, *, now: datetime) -> MemberRow:
        key = ref.key
        cached = self._members.get(key)
        if cached is not None and cached.display_name == (ref.display_name or cached.display_name) and cached.tz == (ref.tz or cached.tz):
            return cached
        row = await self._seen_members.upsert(ref, created_at=iso(now))
        if len(self._members) > 50_000:
            self._members.clear()
        self._members[key] = row
        return row

    async def get_member(self, member_id: str) -> MemberRow | None:
        async with self.db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT * FROM members WHERE id = ?", (member_id,))
        return member_from(rows[0]) if rows else None

    async def set_paused(self, member_id: str, until: datetime | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE members SET paused_until = ? WHERE id = ?", (iso(until) if until else None, member_id))
        self._members.pop(member_id, None)

    async def set_opted_out(self, member_id: str, opted_out: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE members SET opted_out = ? WHERE id = ?", (int(opted_out), member_id))
        self._members.pop(member_id, None)

    async def forget_member(self, member_id: str) -> int:
        """Delete the member; their answers move to a fresh anonymous member so team figures keep counts."""
        anon = f"anonymous:{new_id()}"
        async with self.db.transaction() as conn:
            # An answer batch for this member finishes first (or waits): its rows then move too.
            await self.db.dialect.lock_members(conn, [member_id])
            cur = await conn.execute("SELECT platform, space, created_at FROM members WHERE id = ?", (member_id,))
            row = await cur.fetchone()
            if row is None:
                return 0
            await conn.execute(
                "INSERT INTO members (id, platform, space, user_id, display_name, tz, opted_out, created_at) VALUES (?, ?, ?, ?, '', NULL, 1, ?)",
                (anon, row["platform"], row["space"], anon, row["created_at"]),
            )
            cur = await conn.execute("UPDATE answers SET member_id = ? WHERE member_id = ?", (anon, member_id))
            moved = cur.rowcount
            await conn.execute("UPDATE deliveries SET member_id = NULL WHERE member_id = ?", (member_id,))
            await conn.execute("DELETE FROM review_cards WHERE member_id = ?", (member_id,))
            # A lead's key on the schedules they set has no foreign key to cascade through.
            await conn.execute("UPDATE schedules SET created_by = NULL WHERE created_by = ?", (member_id,))
            await conn.execute("DELETE FROM members WHERE id = ?", (member_id,))
        self._members.pop(member_id, None)
        self._snapshots.forget(member_id)
        for delivery in [d for d in self._deliveries.values() if d.member_id == member_id]:
            self._deliveries.pop(delivery.id, None)
        return moved

    # -- deliveries ------------------------------------------------------------------------
    async def create_delivery(self, delivery: Delivery) -> None:
        await self._new_deliveries.create(delivery)
        self._deliveries[delivery.id] = delivery

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        # Drill, member and option order never change after creation, so a cached copy is
        # safe for grading; closed_at is re-read where it matters. (A sent message's reference
        # lives on its outbox row; deliveries.message_ref is kept only for older databases.)
        cached = self._deliveries.get(delivery_id)
        if cached is not None:
            return cached
        async with self.db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        if not rows:
            return None
        delivery = delivery_from(rows[0])
        if len(self._deliveries) > 10_000:
            self._deliveries.clear()
        self._deliveries[delivery_id] = delivery
        return delivery

    async def close_delivery(self, delivery_id: str, *, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE deliveries SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (iso(now), delivery_id)
            )
            changed = cur.rowcount == 1
        self._deliveries.pop(delivery_id, None)
        return changed

    # -- inbound keys ------------------------------------------------------------------------
    async def claim_inbound(self, platform: str, key: str, *, now: datetime, within: float | None = None) -> bool:
        """True for the first claim of (platform, key) by any process; False for every repeat."""
        return await self._inbound.claim(platform, key, seen_at=iso(now), within=within)

    async def prune_inbound(self, *, before: datetime) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM inbound_keys WHERE seen_at < ?", (iso(before),))
            return cur.rowcount

    # -- answers ---------------------------------------------------------------------------
    async def record_answer(self, record: AnswerRecord, review: ReviewFn, *,
                            derive: Callable[[RecordResult], T] = same) -> T:  # type: ignore[assignment]
        return await self._answers.record(record, review, derive)

    async def cards_for(self, member_id: str) -> list[CardState]:
        async with self.db.reading() as conn:  # one round trip to the reader's thread, not two (execute, fetch)
            rows = await conn.execute_fetchall("SELECT * FROM review_cards WHERE member_id = ?", (member_id,))
        return [card_from(r) for r in rows]

    async def member_snapshot(self, member_id: str, *, since: datetime) -> MemberSnapshot:
        async with self.db.reading() as conn:
            snapshots, epoch = await self._snapshots.load(conn, [member_id], since=since, dialect=self.db.dialect)
        self._snapshots.keep(snapshots, epoch=epoch)
        return snapshots[member_id]

    async def delivery_tally(self, delivery_id: str) -> dict[int, int]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT option_index, COUNT(*) FROM answers WHERE delivery_id = ? GROUP BY option_index", (delivery_id,)
            )
            rows = await cur.fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    async def answer_count(self) -> int:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT COUNT(*) FROM answers")
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def export_answers(self) -> AsyncIterator[ExportRow]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                """SELECT a.member_id, m.display_name, m.platform, a.drill_id, d.kind, a.option_index, a.correct, a.answered_at,
                          d.option_order, a.guessed_at IS NOT NULL
                   FROM answers a JOIN members m ON m.id = a.member_id JOIN deliveries d ON d.id = a.delivery_id
                   ORDER BY a.answered_at, a.id"""
            )
            rows = await cur.fetchall()
        for r in rows:
            yield ExportRow(
                member=r[0], display_name=r[1], platform=r[2], drill_id=r[3], delivery_kind=r[4],
                option_index=r[5], correct=bool(r[6]), answered_at=parse_iso(r[7]),
                option_order=tuple(json.loads(r[8])), guessed=bool(r[9]),
            )
