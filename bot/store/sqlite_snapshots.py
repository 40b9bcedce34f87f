"""Member snapshots for stats lines: read in three queries, cached while the answer count agrees."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.clock import iso, parse_iso
from bot.store import CardState, MemberSnapshot
from bot.store.sqlite_rows import card_from, marks

# Members whose stats stay cached (least recently answering dropped first); ~50 KB each at most.
SNAPSHOT_CACHE = 5000


class SnapshotCache:
    """What every feedback needs of a member, without re-reading their whole history each time."""

    def __init__(self, size: int = SNAPSHOT_CACHE) -> None:
        self.size = size
        self._cache: OrderedDict[str, MemberSnapshot] = OrderedDict()

    def forget(self, member_id: str) -> None:
        self._cache.pop(member_id, None)

    async def fresh(self, conn: Any, members: Sequence[str], since: datetime,
                    new_answers: Sequence[tuple[Any, ...]] = (), cards: dict[tuple[str, str], CardState] | None = None,
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
            f"SELECT member_id, COUNT(*) FROM answers WHERE member_id IN ({marks(members)}) GROUP BY member_id",
            tuple(members),
        )
        counts = {r[0]: int(r[1]) for r in rows}
        out: dict[str, MemberSnapshot] = {}
        stale = []
        for m in members:
            cached = self._cache.get(m)
            mine = added.get(m, [])
            if cached is None or cached.answered + len(mine) != counts.get(m, 0):
                stale.append(m)
                continue
            by_drill = dict(cached.cards)
            for a in mine:
                by_drill[a[3]] = (cards or {})[(m, a[3])]
            out[m] = MemberSnapshot(
                member_id=m, cards=by_drill, answered=cached.answered + len(mine),
                correct=cached.correct + sum(a[5] for a in mine),
                recent=tuple(t for t in cached.recent if t >= since) + tuple(parse_iso(a[6]) for a in mine),
            )
        if stale:
            out.update(await read_snapshots(conn, stale, since))
        for m, snap in out.items():
            self._cache[m] = snap
            self._cache.move_to_end(m)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return out


async def read_snapshots(conn: Any, members: Sequence[str], since: datetime) -> dict[str, MemberSnapshot]:
    """Cards, counts and recent answer times for several members in three queries."""
    placeholders = marks(members)
    cards: dict[str, dict[str, CardState]] = {m: {} for m in members}
    for row in await conn.execute_fetchall(f"SELECT * FROM review_cards WHERE member_id IN ({placeholders})", tuple(members)):
        card = card_from(row)
        cards[card.member_id][card.drill_id] = card
    counts = {m: (0, 0) for m in members}
    rows = await conn.execute_fetchall(
        f"SELECT member_id, COUNT(*), COALESCE(SUM(correct), 0) FROM answers WHERE member_id IN ({placeholders}) GROUP BY member_id",
        tuple(members),
    )
    for row in rows:
        counts[row[0]] = (int(row[1]), int(row[2]))
    recent: dict[str, list[datetime]] = {m: [] for m in members}
    rows = await conn.execute_fetchall(
        f"SELECT member_id, answered_at FROM answers WHERE member_id IN ({placeholders}) AND answered_at >= ?",
        (*members, iso(since)),
    )
    for row in rows:
        recent[row[0]].append(parse_iso(row[1]))
    return {
        m: MemberSnapshot(member_id=m, cards=cards[m], answered=counts[m][0], correct=counts[m][1],
                          recent=tuple(recent[m]))
        for m in members
    }
