"""AnswerWriter: records answers by group commit, with Python work overlapping SQLite's."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from bot.clock import parse_iso
from bot.store import AnswerRecord, CardState, MemberSnapshot, RecordResult, ReviewFn, new_id
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.group_commit import GroupCommit, fail_all, resolve
from bot.store.sqlite.rows import answer_params, card_params, marks, rows_of, upsert_cards
from bot.store.sqlite.snapshots import SnapshotCache, with_answer
from bot.streaks import STREAK_HORIZON

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLite (3.32 and later) binds at most 32,766 variables per statement (a batch writes its answers
# in one multi-row INSERT of 7 each and its cards in one of 14 each), so up to ~2,300 would fit.
# But every reply in a batch waits for its COMMIT, and a burst's answers all queue behind the
# first batch: at 500, a burst of a few hundred clicks became one batch and every reply went out
# at its end, none while it ran. At 128 a batch's replies are sent while the next one is written
# (benchmarks/discord_path.py), and the answer path alone keeps its rate (benchmarks/answer_path.py).
MAX_BATCH = 128
# Callers derived between two turns of the loop while the cards are written (see _derive).
DERIVE_TURN = 16

_INSERT_ANSWERS = """
INSERT INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at)
VALUES {rows}
ON CONFLICT (delivery_id, member_id) DO NOTHING
"""

class _Pending:
    __slots__ = ("record", "review", "derive", "future", "answer_id")

    def __init__(self, record: AnswerRecord, review: ReviewFn, derive: Callable[[RecordResult], Any],
                 future: asyncio.Future[Any], answer_id: str) -> None:
        self.record, self.review, self.derive, self.future, self.answer_id = record, review, derive, future, answer_id


class _Failed:
    """What one caller's `derive` raised; that caller gets it, the others their values."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class AnswerWriter(GroupCommit[_Pending]):
    """Group commit: while one transaction runs, new answers queue, and the next takes them all.

    Each caller still waits for its own COMMIT, so an acknowledged answer is a durable one.
    Inside a batch, the FSRS reviews are computed while SQLite inserts the answers, and the
    members' snapshots and each caller's `derive` (the engine's feedback) while it writes the
    cards and commits: SQLite releases the GIL while it works, so the two overlap on two
    cores (this needs a short GIL switch interval; see bot.store.sqlite.tuning).
    """

    def __init__(self, db: SqliteDatabase, snapshots: SnapshotCache) -> None:
        super().__init__(task_name="answer-batches", max_batch=MAX_BATCH)
        self.db = db
        self.snapshots = snapshots
        # Answer ids: a random per-process prefix and a counter. Unique across processes like a
        # random id, but without an os.urandom call per answer (it showed up on the hot path).
        self._id_prefix = new_id(9)
        self._id_counter = itertools.count()

    async def record(self, record: AnswerRecord, review: ReviewFn, derive: Callable[[RecordResult], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        return await self._submit(_Pending(record, review, derive, future, f"{self._id_prefix}.{next(self._id_counter):x}"))

    async def _run(self, batch: Sequence[_Pending]) -> None:
        try:
            results = await self._write(batch)
        except Exception as exc:  # every waiter learns of the failure; nothing half-written
            log.warning("answer batch of %d failed: %s", len(batch), exc)
            fail_all(batch, exc)
            return
        for item, result in zip(batch, results):
            if isinstance(result, _Failed):
                fail_all([item], result.error)
            else:
                resolve(item, result)

    async def _write(self, batch: Sequence[_Pending]) -> list[Any]:
        members = sorted({p.record.member_id for p in batch})
        try:
            return await self._write_members(batch, members)
        except BaseException:
            for m in members:  # committed or not, what was cached for them can no longer be trusted
                self.snapshots.forget(m)
            raise

    async def _write_members(self, batch: Sequence[_Pending], members: list[str]) -> list[Any]:
        since = min(p.record.answered_at for p in batch) - STREAK_HORIZON
        async with self.db.transaction() as conn:
            # Another process answering for one of these members waits here, before either reads cards.
            await self.db.dialect.lock_members(conn, members)
            loaded, epoch = await self.snapshots.load(conn, members, since=since, dialect=self.db.dialect)
            # The unique key decides which answer counts, against other processes too. While the
            # INSERT runs, review every answer as if it counts; the count of rows that went in
            # says whether they all did, and only a batch with repeats reads which ones and is
            # reviewed again (no read before the write).
            insert = conn.execute(
                _INSERT_ANSWERS.format(rows=rows_of(len(batch), 7)),
                [v for p in batch for v in answer_params(p.answer_id, p.record)],
            )
            cursor, (cards, counted, params) = await _overlapped(insert, lambda: _review(batch, loaded, None))
            firsts: dict[tuple[str, str], AnswerRecord] = {}
            if cursor.rowcount != len(batch):
                inserted = await _inserted(conn, [p.answer_id for p in batch])
                firsts = await _first_answers(conn, [p.record for p in batch if p.answer_id not in inserted])
                cards, counted, params = _review(batch, loaded, inserted)
            upsert = await _started(
                conn.execute(upsert_cards(len(cards)), params) if cards else _nothing())
            snapshots, derived = await self._derive(batch, upsert, lambda: _outcome(batch, loaded, counted, cards, firsts))
        self.snapshots.keep(snapshots, epoch=epoch)
        return derived

    async def _derive(self, batch: Sequence[_Pending], upsert: asyncio.Future[Any],
                      outcome: Callable[[], tuple[dict[str, MemberSnapshot], list[RecordResult]]],
                      ) -> tuple[dict[str, MemberSnapshot], list[Any]]:
        """The snapshots and results, then each caller's `derive`, overlapping the cards' write and the COMMIT.

        The COMMIT may only follow a card write that succeeded, so every few callers the loop
        gets a turn in which the finished write reports, and the COMMIT goes out then.
        """
        derived: list[Any] = []
        committing = False
        try:
            snapshots, results = outcome()
            for i, (p, result) in enumerate(zip(batch, results)):
                if not committing and upsert.done():
                    upsert.result()  # a failed card write raises here, before any COMMIT
                    self.db.commit_early()
                    committing = True
                try:
                    derived.append(p.derive(result))
                except Exception as exc:  # one caller's bug: its answer still counts, the others are unaffected
                    log.exception("deriving the reply to an answer failed")
                    derived.append(_Failed(exc))
                if not committing and i % DERIVE_TURN == DERIVE_TURN - 1:
                    await asyncio.sleep(0)
        except BaseException:
            await asyncio.gather(upsert, return_exceptions=True)
            raise
        await upsert  # still running: the transaction then commits as usual
        return snapshots, derived


async def _nothing() -> None:
    """A batch of repeats only has no cards to write."""


async def _started(statement: Awaitable[T]) -> asyncio.Future[T]:
    """The statement, handed to aiosqlite's thread: one turn of the loop lets it go out before
    the caller's Python work takes the GIL."""
    task = asyncio.ensure_future(statement)
    await asyncio.sleep(0)
    return task


async def _overlapped(statement: Awaitable[T], work: Callable[[], Any]) -> tuple[T, Any]:
    """Run `work` while aiosqlite's thread executes `statement`; both results, or the first error.

    If `work` fails, the statement is still awaited, so the rollback that follows never races it.
    """
    task = await _started(statement)
    try:
        done = work()
    except BaseException:
        await asyncio.gather(task, return_exceptions=True)
        raise
    return await task, done


def _review(batch: Sequence[_Pending], loaded: dict[str, MemberSnapshot], inserted: set[str] | None,
            ) -> tuple[dict[tuple[str, str], CardState], set[str], list[Any]]:
    """Each counted answer's card (chained when one member answers a drill twice in a batch), and
    the parameters that write them."""
    cards: dict[tuple[str, str], CardState] = {}
    counted: set[str] = set()
    for p in batch:
        if inserted is not None and p.answer_id not in inserted:
            continue
        rec = p.record
        key = (rec.member_id, rec.card_key)
        previous = cards.get(key) or loaded[rec.member_id].cards.get(rec.card_key)
        cards[key] = p.review(previous, rec)
        counted.add(p.answer_id)
    return cards, counted, [v for card in cards.values() for v in card_params(card)]


def _outcome(batch: Sequence[_Pending], loaded: dict[str, MemberSnapshot], counted: set[str],
             cards: dict[tuple[str, str], CardState], firsts: dict[tuple[str, str], AnswerRecord],
             ) -> tuple[dict[str, MemberSnapshot], list[RecordResult]]:
    """The members' snapshots after the counted answers, and each caller's result."""
    snapshots = dict(loaded)
    for p in batch:
        if p.answer_id in counted:
            rec = p.record
            snapshots[rec.member_id] = with_answer(snapshots[rec.member_id], rec, cards[(rec.member_id, rec.card_key)])
    results: list[RecordResult] = []
    for p in batch:
        if p.answer_id in counted:
            results.append(RecordResult(p.record, False, snapshots[p.record.member_id]))
        else:
            first = firsts[(p.record.delivery_id, p.record.member_id)]
            results.append(RecordResult(first, True, snapshots[first.member_id]))
    return snapshots, results


async def _inserted(conn: Any, answer_ids: Sequence[str]) -> set[str]:
    """Which of this batch's answers went in (the ids are this process's own)."""
    return {row[0] for row in await conn.execute_fetchall(
        f"SELECT id FROM answers WHERE id IN ({marks(answer_ids)})", tuple(answer_ids))}


async def _first_answers(conn: Any, repeats: Sequence[AnswerRecord]) -> dict[tuple[str, str], AnswerRecord]:
    """The answers that count for these (delivery, member) keys: written earlier, elsewhere or in this batch."""
    keys = {(r.delivery_id, r.member_id): r.family_id for r in repeats}
    deliveries, members = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
    found: dict[tuple[str, str], AnswerRecord] = {}
    for row in await conn.execute_fetchall(
        f"SELECT delivery_id, member_id, drill_id, option_index, correct, answered_at FROM answers "
        f"WHERE delivery_id IN ({marks(deliveries)}) AND member_id IN ({marks(members)})", (*deliveries, *members),
    ):
        key = (row["delivery_id"], row["member_id"])
        if key in keys:
            found[key] = AnswerRecord(
                delivery_id=key[0], member_id=key[1], drill_id=row["drill_id"], option_index=row["option_index"],
                correct=bool(row["correct"]), answered_at=parse_iso(row["answered_at"]), family_id=keys[key],
            )
    return found
