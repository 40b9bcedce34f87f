"""Family cards on SQLite: the fold of per-drill cards, a member's answer history, "I guessed"."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.clock import iso, parse_iso
from bot.store import AnswerRecord, CardState, GuessOutcome, PastAnswer, RegradeFn
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.rows import card_from, card_params, marks, upsert_cards
from bot.store.sqlite.snapshots import SnapshotCache

log = logging.getLogger(__name__)

# Cards folded per statement: 14 bound values each, well under SQLite's 32,766.
FOLD_CHUNK = 1000


class FamilyCards:
    """Part of SqliteStore: the family-card reads and writes outside the answer path."""

    db: SqliteDatabase
    _snapshots: SnapshotCache

    async def answer_history(self, member_id: str) -> list[PastAnswer]:
        async with self.db.reading() as conn:
            rows = await conn.execute_fetchall(
                """SELECT delivery_id, drill_id, option_index, correct, answered_at, guessed_at IS NOT NULL
                   FROM answers WHERE member_id = ? ORDER BY answered_at, id""", (member_id,))
        return [PastAnswer(delivery_id=r[0], drill_id=r[1], option_index=int(r[2]), correct=bool(r[3]),
                           answered_at=parse_iso(r[4]), guessed=bool(r[5])) for r in rows]

    async def mark_guessed(self, member_id: str, delivery_id: str, family_id: str, regrade: RegradeFn, *,
                           now: datetime) -> GuessOutcome:
        async with self.db.transaction() as conn:
            # On SQLite the answer writer's group commit runs in this same serialized connection;
            # on PostgreSQL the member's row lock (taken by answer batches too) keeps any answer
            # of this member from landing between the reads below and the write.
            await self.db.dialect.lock_members(conn, [member_id])
            rows = await conn.execute_fetchall(
                """SELECT drill_id, option_index, correct, answered_at, guessed_at FROM answers
                   WHERE delivery_id = ? AND member_id = ?""", (delivery_id, member_id))
            if not rows:
                return "unanswered"
            row = rows[0]
            if not row["correct"]:
                return "wrong"
            if row["guessed_at"] is not None:
                return "already"
            cards = await conn.execute_fetchall(
                "SELECT * FROM review_cards WHERE member_id = ? AND family_id = ?", (member_id, family_id))
            card = card_from(cards[0]) if cards else None
            if card is None or card.delivery_id != delivery_id:
                return "moved"
            answer = AnswerRecord(delivery_id=delivery_id, member_id=member_id, drill_id=row["drill_id"],
                                  option_index=int(row["option_index"]), correct=True,
                                  answered_at=parse_iso(row["answered_at"]), family_id=family_id)
            updated = regrade(card, answer)
            await conn.execute(upsert_cards(1), card_params(updated))
            await conn.execute("UPDATE answers SET guessed_at = ? WHERE delivery_id = ? AND member_id = ?",
                               (iso(now), delivery_id, member_id))
            # Inside the transaction: an answer batch that follows must read the new card.
            self._snapshots.forget(member_id)
        return "marked"

    async def fold_cards(self, family_of: Mapping[str, str]) -> int:
        async with self.db.reading() as conn:
            keys = [r[0] for r in await conn.execute_fetchall("SELECT DISTINCT family_id FROM review_cards")]
        stale = sorted(k for k in keys if family_of.get(k, k) != k)
        if not stale:
            return 0
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT * FROM review_cards WHERE family_id IN ({marks(stale)})", tuple(stale))
            old = [card_from(r) for r in rows]
            if not old:  # another process folded them between the two reads
                return 0
            targets = sorted({(c.member_id, family_of[c.family_id]) for c in old})
            present: dict[tuple[str, str], CardState] = {}
            for chunk in _chunks(targets, 400):
                members = sorted({m for m, _ in chunk})
                families = sorted({f for _, f in chunk})
                for r in await conn.execute_fetchall(
                        f"SELECT * FROM review_cards WHERE member_id IN ({marks(members)}) AND family_id IN ({marks(families)})",
                        (*members, *families)):
                    card = card_from(r)
                    present[(card.member_id, card.family_id)] = card
            groups: dict[tuple[str, str], list[CardState]] = {}
            for card in [*present.values(), *old]:
                key = (card.member_id, family_of.get(card.family_id, card.family_id))
                groups.setdefault(key, []).append(card)
            wanted = set(targets)
            merged = [fold(key[1], cards) for key, cards in groups.items() if key in wanted]
            await conn.execute(f"DELETE FROM review_cards WHERE family_id IN ({marks(stale)})", tuple(stale))
            for chunk in _chunks(merged, FOLD_CHUNK):
                await conn.execute(upsert_cards(len(chunk)), [v for card in chunk for v in card_params(card)])
            folded = len(old)
            for member in {c.member_id for c in old}:
                self._snapshots.forget(member)
        log.info("folded %d review cards kept under drill ids into %d family cards", folded, len(merged))
        return folded


def fold(family_id: str, cards: list[CardState]) -> CardState:
    """One family card from several: the latest review's state wins, reviews and lapses add up.

    A folded card has no `prior`: "I guessed" applies to the answer that made a card, and the
    answer behind the winning state may not be the family's latest any more.
    """
    latest = max(cards, key=lambda c: (c.last_review is not None, c.last_review or c.due, c.due))
    return CardState(
        member_id=latest.member_id, family_id=family_id, state=latest.state, step=latest.step,
        stability=latest.stability, difficulty=latest.difficulty, due=latest.due, last_review=latest.last_review,
        last_correct=latest.last_correct, reviews=sum(c.reviews for c in cards), lapses=sum(c.lapses for c in cards),
        drill_id=latest.drill_id or latest.family_id, delivery_id=latest.delivery_id if len(cards) == 1 else None,
        prior=latest.prior if len(cards) == 1 else None,
    )


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]
