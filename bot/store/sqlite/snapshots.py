"""Member snapshots for stats lines: read once, then kept in step with this process's own writes."""

from __future__ import annotations

import asyncio
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.clock import iso, parse_iso
from bot.store import AnswerRecord, CardState, MemberSnapshot
from bot.store.sqlite.dialect import SQLITE
from bot.store.sqlite.rows import card_from, marks

# Members whose stats stay cached (least recently answering dropped first); ~50 KB each at most.
SNAPSHOT_CACHE = 5000


class SnapshotCache:
    """What every feedback needs of a member, without re-reading their whole history each time.

    A cached snapshot is trusted while no other connection has committed to the file since it
    was last confirmed: SQLite's `PRAGMA data_version` changes exactly then (our own commits do
    not change it). When it has changed, each cached member is confirmed once by comparing their
    answer count (answers only ever grow; cards change only with an answer, and forget-me drops
    the count to zero), and re-read when it differs.
    """

    def __init__(self, size: int = SNAPSHOT_CACHE) -> None:
        self.size = size
        self._cache: OrderedDict[str, MemberSnapshot] = OrderedDict()
        self._confirmed: dict[str, int] = {}  # member -> epoch in which the cache was last confirmed
        self._epoch = 0
        self._data_version: object = None

    def forget(self, member_id: str) -> None:
        self._cache.pop(member_id, None)
        self._confirmed.pop(member_id, None)

    async def load(self, conn: Any, members: Sequence[str], *, since: datetime,
                   dialect: Any = SQLITE) -> tuple[dict[str, MemberSnapshot], int]:
        """The members' snapshots as the database holds them now, and the epoch to hand to `keep`."""
        # A member not cached at all is read whatever data_version says, so those reads go out
        # with the PRAGMA (see fetch_all); only cached members wait for the version's verdict.
        cold = [m for m in members if m not in self._cache]
        statements = [("PRAGMA data_version", ())] if dialect.has_data_version else []
        statements += snapshot_statements(cold, since) if cold else []
        results = await fetch_all(conn, statements, dialect=dialect)
        # No twin of the PRAGMA elsewhere: every load is a new epoch, so each cached member is confirmed by count.
        version = results.pop(0)[0][0] if dialect.has_data_version else object()
        if version != self._data_version:
            self._data_version, self._epoch = version, self._epoch + 1
        out = snapshots_from(cold, *results) if cold else {}
        unsure: list[str] = []
        for m in members:
            if m in out:
                continue
            if self._confirmed.get(m) == self._epoch:
                out[m] = trimmed(self._cache[m], since)
            else:
                unsure.append(m)
        if unsure:
            rows = await conn.execute_fetchall(
                f"SELECT member_id, COUNT(*) FROM answers WHERE member_id IN ({marks(unsure)}) GROUP BY member_id",
                tuple(unsure),
            )
            counts = {r[0]: int(r[1]) for r in rows}
            changed = []
            for m in unsure:
                cached = self._cache[m]
                if cached.answered == counts.get(m, 0):
                    out[m] = trimmed(cached, since)
                else:
                    changed.append(m)
            if changed:
                out.update(await read_snapshots(conn, changed, since, dialect=dialect))
        return out, self._epoch

    def keep(self, snapshots: Mapping[str, MemberSnapshot], *, epoch: int) -> None:
        """Remember snapshots the database holds since a commit in `epoch`; call only after it committed.

        If another connection committed in between, the epoch has moved on and these snapshots
        will be confirmed by count before they are trusted.
        """
        for m, snap in snapshots.items():
            self._cache[m] = snap
            self._cache.move_to_end(m)
            self._confirmed[m] = epoch
        while len(self._cache) > self.size:
            dropped, _ = self._cache.popitem(last=False)
            self._confirmed.pop(dropped, None)


def trimmed(snap: MemberSnapshot, since: datetime) -> MemberSnapshot:
    """The snapshot without answer times before `since` (they are kept sorted, so this is cheap)."""
    if not snap.recent or snap.recent[0] >= since:
        return snap
    return replace(snap, recent=snap.recent[bisect_left(snap.recent, since):])


def with_answer(snap: MemberSnapshot, answer: AnswerRecord, card: CardState) -> MemberSnapshot:
    """The snapshot after one new answer and the card it produced."""
    recent = snap.recent
    if recent and answer.answered_at < recent[-1]:  # a clock behind ours: keep the order
        ordered = list(recent)
        insort(ordered, answer.answered_at)
        recent = tuple(ordered)
    else:
        recent = (*recent, answer.answered_at)
    return MemberSnapshot(
        member_id=snap.member_id, cards={**snap.cards, card.family_id: card}, answered=snap.answered + 1,
        correct=snap.correct + answer.correct, recent=recent,
    )


async def fetch_all(conn: Any, statements: Sequence[tuple[str, Sequence[Any]]], *, dialect: Any) -> list[list[Any]]:
    """Each statement's rows, in order.

    Every statement is a round trip to the database's thread, and an answer batch waits for each
    one behind all the other work on the event loop: during a burst of clicks, several ms apiece
    (benchmarks/discord_path.py). Where the dialect queues statements, they are all sent at once
    and cost one wait; a failure is raised once all of them have run.
    """
    if not dialect.queues_statements or len(statements) < 2:
        return [await conn.execute_fetchall(sql, params) for sql, params in statements]
    results = await asyncio.gather(*(conn.execute_fetchall(sql, params) for sql, params in statements),
                                   return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def snapshot_statements(members: Sequence[str], since: datetime) -> list[tuple[str, Sequence[Any]]]:
    """The two reads `snapshots_from` builds snapshots of: the members' cards, then their counts and
    recent answer times in one (a count row has its answered_at NULL, a recent-answer row its counts)."""
    placeholders = marks(members)
    return [
        (f"SELECT * FROM review_cards WHERE member_id IN ({placeholders})", tuple(members)),
        (f"""SELECT member_id, COUNT(*), COALESCE(SUM(correct), 0), NULL FROM answers
               WHERE member_id IN ({placeholders}) GROUP BY member_id
             UNION ALL
             SELECT member_id, NULL, NULL, answered_at FROM answers
               WHERE member_id IN ({placeholders}) AND answered_at >= ?""",
         (*members, *members, iso(since))),
    ]


def snapshots_from(members: Sequence[str], card_rows: Sequence[Any], answer_rows: Sequence[Any]) -> dict[str, MemberSnapshot]:
    """The snapshots of `members` from the rows of `snapshot_statements`."""
    cards: dict[str, dict[str, CardState]] = {m: {} for m in members}
    for row in card_rows:
        card = card_from(row)
        cards[card.member_id][card.family_id] = card
    counts = {m: (0, 0) for m in members}
    recent: dict[str, list[datetime]] = {m: [] for m in members}
    for row in answer_rows:
        if row[3] is None:
            counts[row[0]] = (int(row[1]), int(row[2]))
        else:
            recent[row[0]].append(parse_iso(row[3]))
    return {
        m: MemberSnapshot(member_id=m, cards=cards[m], answered=counts[m][0], correct=counts[m][1],
                          recent=tuple(sorted(recent[m])))
        for m in members
    }


async def read_snapshots(conn: Any, members: Sequence[str], since: datetime, *, dialect: Any = SQLITE) -> dict[str, MemberSnapshot]:
    """Cards, counts and recent answer times (sorted) for several members."""
    return snapshots_from(members, *await fetch_all(conn, snapshot_statements(members, since), dialect=dialect))
