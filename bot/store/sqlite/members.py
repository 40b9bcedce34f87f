"""MemberUpserts: a member's row made or refreshed (name, zone) on first sight, by group commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.messages import MemberRef
from bot.store import MemberRow
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.group_commit import GroupCommit
from bot.store.sqlite.rows import member_from, rows_of

_UPSERT = """
INSERT INTO members (id, platform, space, user_id, display_name, tz, created_at)
VALUES {rows}
ON CONFLICT (id) DO UPDATE SET
  display_name = CASE WHEN excluded.display_name = '' THEN members.display_name ELSE excluded.display_name END,
  tz = COALESCE(excluded.tz, members.tz)
RETURNING *
"""


class _Seen:
    __slots__ = ("ref", "created_at", "future")

    def __init__(self, ref: MemberRef, created_at: str, future: asyncio.Future[MemberRow]) -> None:
        self.ref, self.created_at, self.future = ref, created_at, future


class MemberUpserts(GroupCommit[_Seen]):
    """The first command of every member after a start writes their row (the store caches it after).

    After a deploy, the morning's first burst of commands is all first sights; one transaction
    each queued them behind the writer. Upserts that arrive while a transaction runs share the
    next one's statement. A name left empty keeps the stored one, a zone left out keeps the
    stored zone; two sights of one member in a batch apply in order, as one after the other would.
    """

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(task_name="member-upserts")
        self.db = db

    async def upsert(self, ref: MemberRef, *, created_at: str) -> MemberRow:
        future: asyncio.Future[MemberRow] = asyncio.get_running_loop().create_future()
        row: MemberRow = await self._submit(_Seen(ref, created_at, future))
        return row

    async def _write(self, batch: Sequence[_Seen]) -> list[MemberRow]:
        merged: dict[str, list[object]] = {}  # id -> the statement's row, the later sights folded in
        for seen in batch:
            ref = seen.ref
            row = merged.get(ref.key)
            if row is None:
                merged[ref.key] = [ref.key, ref.platform, ref.space, ref.user_id, ref.display_name, ref.tz, seen.created_at]
            else:  # one statement may not update a row twice (PostgreSQL refuses it): fold the sights
                row[4] = ref.display_name or row[4]
                row[5] = ref.tz if ref.tz is not None else row[5]
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(_UPSERT.format(rows=rows_of(len(merged), 7)),
                                               [v for row in merged.values() for v in row])
        stored = {r["id"]: member_from(r) for r in rows}  # RETURNING's order is not promised
        return [stored[seen.ref.key] for seen in batch]
