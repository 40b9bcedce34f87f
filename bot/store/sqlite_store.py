"""SqliteStore: the embedded default store, with group commit on the answer path."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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
    StoreError,
)
from bot.store.database import SqliteDatabase

log = logging.getLogger(__name__)

# SQLite allows 32,766 bound variables per statement; a batch binds four per answer in reads.
MAX_BATCH = 500
# How far back answer times are read for streaks: a streak longer than this shows as this long.
STREAK_HORIZON = timedelta(days=400)
# Members whose stats stay cached (least recently answering dropped first); ~50 KB each at most.
SNAPSHOT_CACHE = 5000


def new_id(nbytes: int = 9) -> str:
    """A short URL-safe random id; 12 characters fit in a Discord custom_id with room to spare."""
    return secrets.token_urlsafe(nbytes)


def _dt(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


# Pydantic's validator (Rust) parses the ISO text straight into aware datetimes; it is faster
# than parsing by hand and calling model_construct, and keeps the records honest.
def _member(row: Any) -> MemberRow:
    return MemberRow.model_validate({**dict(row), "opted_out": bool(row["opted_out"])})


def _delivery(row: Any) -> Delivery:
    return Delivery.model_validate({**dict(row), "option_order": tuple(json.loads(row["option_order"]))})


def _card(row: Any) -> CardState:
    return CardState.model_validate(dict(row))


def _card_params(card: CardState) -> tuple[Any, ...]:
    return (
        card.member_id, card.drill_id, card.state, card.step, card.stability, card.difficulty,
        iso(card.due), iso(card.last_review) if card.last_review else None, int(card.last_correct),
        card.reviews, card.lapses,
    )


_UPSERT_CARD = """
INSERT INTO review_cards (member_id, drill_id, state, step, stability, difficulty, due, last_review,
                          last_correct, reviews, lapses)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_id, drill_id) DO UPDATE SET
    state = excluded.state, step = excluded.step, stability = excluded.stability,
    difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
    last_correct = excluded.last_correct, reviews = excluded.reviews, lapses = excluded.lapses
"""


class _Pending:
    __slots__ = ("record", "review", "future")

    def __init__(self, record: AnswerRecord, review: ReviewFn, future: asyncio.Future[RecordResult]) -> None:
        self.record, self.review, self.future = record, review, future


class SqliteStore:
    """The Store protocol on one SQLite file.

    Answers are written by group commit: while one transaction runs, new answers queue, and
    the next transaction takes them all. Each caller still waits for its own COMMIT, so an
    acknowledged answer is a durable one; under load, one fsync serves many members.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._deliveries: dict[str, Delivery] = {}
        # Rows this process wrote, keyed by member id: the answer path needs only id and zone,
        # which only this member's own events change. Flags are re-read where they matter.
        self._members: dict[str, MemberRow] = {}
        self._snapshot_cache: OrderedDict[str, MemberSnapshot] = OrderedDict()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStore:
        return cls(await SqliteDatabase.open(path))

    async def close(self) -> None:
        if self._flusher:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self.db.close()

    async def backup(self, path: Path) -> None:
        await self.db.backup(path)

    # -- members ---------------------------------------------------------------------------
    async def ensure_member(self, ref: MemberRef, *, now: datetime) -> MemberRow:
        key = ref.key
        cached = self._members.get(key)
        if cached is not None and cached.display_name == (ref.display_name or cached.display_name) and cached.tz == (ref.tz or cached.tz):
            return cached
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO members (id, platform, space, user_id, display_name, tz, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET
                     display_name = CASE WHEN excluded.display_name = '' THEN members.display_name
                                         ELSE excluded.display_name END,
                     tz = COALESCE(excluded.tz, members.tz)
                   RETURNING *""",
                (key, ref.platform, ref.space, ref.user_id, ref.display_name, ref.tz, iso(now)),
            )
            row = _member(await cur.fetchone())
        if len(self._members) > 50_000:
            self._members.clear()
        self._members[key] = row
        return row

    async def get_member(self, member_id: str) -> MemberRow | None:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM members WHERE id = ?", (member_id,))
            row = await cur.fetchone()
        return _member(row) if row else None

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
            await conn.execute("DELETE FROM members WHERE id = ?", (member_id,))
        self._members.pop(member_id, None)
        self._snapshot_cache.pop(member_id, None)
        for delivery in [d for d in self._deliveries.values() if d.member_id == member_id]:
            self._deliveries.pop(delivery.id, None)
        return moved

    # -- deliveries ------------------------------------------------------------------------
    async def create_delivery(self, delivery: Delivery) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO deliveries (id, drill_id, kind, member_id, platform, space, channel, option_order,
                                           created_at, closes_at, message_ref)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (delivery.id, delivery.drill_id, delivery.kind, delivery.member_id, delivery.platform,
                 delivery.space, delivery.channel, json.dumps(list(delivery.option_order)), iso(delivery.created_at),
                 iso(delivery.closes_at) if delivery.closes_at else None, delivery.message_ref),
            )
        self._deliveries[delivery.id] = delivery

    async def get_delivery(self, delivery_id: str) -> Delivery | None:
        # Drill, member and option order never change after creation, so a cached copy is
        # safe for grading; closed_at and message_ref are re-read where they matter.
        cached = self._deliveries.get(delivery_id)
        if cached is not None:
            return cached
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
            row = await cur.fetchone()
        if row is None:
            return None
        delivery = _delivery(row)
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

    async def set_message_ref(self, delivery_id: str, ref: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE deliveries SET message_ref = ? WHERE id = ?", (ref, delivery_id))
        self._deliveries.pop(delivery_id, None)

    # -- answers ---------------------------------------------------------------------------
    async def record_answer(self, record: AnswerRecord, review: ReviewFn) -> RecordResult:
        future: asyncio.Future[RecordResult] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(record, review, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._write_batch(batch)
            except Exception as exc:  # every waiter learns of the failure; nothing half-written
                log.warning("answer batch of %d failed: %s", len(batch), exc)
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, result in zip(batch, results):
                if not item.future.done():
                    item.future.set_result(result)

    async def _write_batch(self, batch: Sequence[_Pending]) -> list[RecordResult]:
        keys = {(p.record.delivery_id, p.record.member_id) for p in batch}
        deliveries = sorted({k[0] for k in keys})
        members = sorted({k[1] for k in keys})
        drills = sorted({p.record.drill_id for p in batch})
        async with self.db.transaction() as conn:
            existing: dict[tuple[str, str], AnswerRecord] = {}
            # execute_fetchall is one hop to the database thread instead of two.
            rows = await conn.execute_fetchall(
                f"SELECT delivery_id, member_id, drill_id, option_index, correct, answered_at FROM answers "
                f"WHERE delivery_id IN ({_marks(deliveries)}) AND member_id IN ({_marks(members)})",
                (*deliveries, *members),
            )
            for row in rows:
                key = (row["delivery_id"], row["member_id"])
                if key in keys:
                    existing[key] = AnswerRecord(
                        delivery_id=row["delivery_id"], member_id=row["member_id"], drill_id=row["drill_id"],
                        option_index=row["option_index"], correct=bool(row["correct"]),
                        answered_at=parse_iso(row["answered_at"]),
                    )
            cards: dict[tuple[str, str], CardState] = {}
            rows = await conn.execute_fetchall(
                f"SELECT * FROM review_cards WHERE member_id IN ({_marks(members)}) AND drill_id IN ({_marks(drills)})",
                (*members, *drills),
            )
            for row in rows:
                cards[(row["member_id"], row["drill_id"])] = _card(row)

            results: list[tuple[AnswerRecord, bool]] = []
            new_answers: list[tuple[Any, ...]] = []
            for item in batch:
                rec = item.record
                key = (rec.delivery_id, rec.member_id)
                if key in existing:
                    results.append((existing[key], True))
                    continue
                existing[key] = rec
                card_key = (rec.member_id, rec.drill_id)
                cards[card_key] = item.review(cards.get(card_key), rec)
                new_answers.append((new_id(12), rec.delivery_id, rec.member_id, rec.drill_id, rec.option_index,
                                    int(rec.correct), iso(rec.answered_at)))
                results.append((rec, False))
            if new_answers:
                await conn.executemany(
                    """INSERT INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, member_id) DO NOTHING""",
                    new_answers,
                )
                touched = {(a[2], a[3]) for a in new_answers}
                await conn.executemany(_UPSERT_CARD, [_card_params(cards[k]) for k in sorted(touched)])
            since = min(p.record.answered_at for p in batch) - STREAK_HORIZON
            snapshots = await self._fresh_snapshots(conn, members, since, new_answers, cards)
        return [RecordResult(answer=a, duplicate=dup, snapshot=snapshots[a.member_id]) for a, dup in results]

    async def cards_for(self, member_id: str) -> list[CardState]:
        async with self.db.reading() as conn:
            cur = await conn.execute("SELECT * FROM review_cards WHERE member_id = ?", (member_id,))
            rows = await cur.fetchall()
        return [_card(r) for r in rows]

    async def member_snapshot(self, member_id: str, *, since: datetime) -> MemberSnapshot:
        async with self.db.reading() as conn:
            return (await self._fresh_snapshots(conn, [member_id], since, [], {}))[member_id]

    async def _fresh_snapshots(self, conn: Any, members: Sequence[str], since: datetime,
                               new_answers: Sequence[tuple[Any, ...]], cards: dict[tuple[str, str], CardState]
                               ) -> dict[str, MemberSnapshot]:
        """Snapshots from the cache where the database agrees, re-read where it does not.

        Answers only ever grow, and cards change only with a new answer, so a member whose
        answer count in the database equals the cached count plus this batch's new answers is
        unchanged elsewhere (another process would have added answers). One grouped COUNT per
        batch replaces re-reading every card and answer time of every member.
        """
        added: dict[str, list[tuple[Any, ...]]] = {}
        for a in new_answers:
            added.setdefault(a[2], []).append(a)
        rows = await conn.execute_fetchall(
            f"SELECT member_id, COUNT(*) FROM answers WHERE member_id IN ({_marks(members)}) GROUP BY member_id",
            tuple(members),
        )
        counts = {r[0]: int(r[1]) for r in rows}
        out: dict[str, MemberSnapshot] = {}
        stale = []
        for m in members:
            cached = self._snapshot_cache.get(m)
            mine = added.get(m, [])
            if cached is None or cached.answered + len(mine) != counts.get(m, 0):
                stale.append(m)
                continue
            by_drill = dict(cached.cards)
            for a in mine:
                by_drill[a[3]] = cards[(m, a[3])]
            out[m] = MemberSnapshot(
                member_id=m, cards=by_drill, answered=cached.answered + len(mine),
                correct=cached.correct + sum(a[5] for a in mine),
                recent=tuple(t for t in cached.recent if t >= since) + tuple(parse_iso(a[6]) for a in mine),
            )
        if stale:
            out.update(await _snapshots(conn, stale, since))
        for m, snap in out.items():
            self._snapshot_cache[m] = snap
            self._snapshot_cache.move_to_end(m)
        while len(self._snapshot_cache) > SNAPSHOT_CACHE:
            self._snapshot_cache.popitem(last=False)
        return out

    async def delivery_tally(self, delivery_id: str) -> dict[int, int]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                "SELECT option_index, COUNT(*) FROM answers WHERE delivery_id = ? GROUP BY option_index", (delivery_id,)
            )
            rows = await cur.fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    async def export_answers(self) -> AsyncIterator[ExportRow]:
        async with self.db.reading() as conn:
            cur = await conn.execute(
                """SELECT a.member_id, m.display_name, m.platform, a.drill_id, d.kind, a.option_index, a.correct, a.answered_at
                   FROM answers a JOIN members m ON m.id = a.member_id JOIN deliveries d ON d.id = a.delivery_id
                   ORDER BY a.answered_at, a.id"""
            )
            rows = await cur.fetchall()
        for r in rows:
            yield ExportRow(
                member=r[0], display_name=r[1], platform=r[2], drill_id=r[3], delivery_kind=r[4],
                option_index=r[5], correct=bool(r[6]), answered_at=parse_iso(r[7]),
            )


async def _snapshots(conn: Any, members: Sequence[str], since: datetime) -> dict[str, MemberSnapshot]:
    """Cards, counts and recent answer times for several members in three queries."""
    marks = _marks(members)
    cards: dict[str, dict[str, CardState]] = {m: {} for m in members}
    for row in await conn.execute_fetchall(f"SELECT * FROM review_cards WHERE member_id IN ({marks})", tuple(members)):
        card = _card(row)
        cards[card.member_id][card.drill_id] = card
    counts = {m: (0, 0) for m in members}
    rows = await conn.execute_fetchall(
        f"SELECT member_id, COUNT(*), COALESCE(SUM(correct), 0) FROM answers WHERE member_id IN ({marks}) GROUP BY member_id",
        tuple(members),
    )
    for row in rows:
        counts[row[0]] = (int(row[1]), int(row[2]))
    recent: dict[str, list[datetime]] = {m: [] for m in members}
    rows = await conn.execute_fetchall(
        f"SELECT member_id, answered_at FROM answers WHERE member_id IN ({marks}) AND answered_at >= ?",
        (*members, iso(since)),
    )
    for row in rows:
        recent[row[0]].append(parse_iso(row[1]))
    return {
        m: MemberSnapshot(member_id=m, cards=cards[m], answered=counts[m][0], correct=counts[m][1],
                          recent=tuple(recent[m]))
        for m in members
    }


def _marks(values: Sequence[Any]) -> str:
    if not values:
        raise StoreError("empty IN list")
    return ", ".join("?" * len(values))
