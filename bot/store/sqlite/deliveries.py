"""DeliveryWriter: new deliveries (a dealt card's drill and option order) written by group commit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from bot.clock import iso
from bot.store import Delivery
from bot.store.sqlite.database import SqliteDatabase
from bot.store.sqlite.group_commit import GroupCommit
from bot.store.sqlite.rows import rows_of

_INSERT = """
INSERT INTO deliveries (id, drill_id, kind, member_id, platform, space, channel, option_order,
                        created_at, closes_at, message_ref)
VALUES {rows}
"""


class _New:
    __slots__ = ("delivery", "future")

    def __init__(self, delivery: Delivery, future: asyncio.Future[None]) -> None:
        self.delivery, self.future = delivery, future


def _params(d: Delivery) -> tuple[Any, ...]:
    return (d.id, d.drill_id, d.kind, d.member_id, d.platform, d.space, d.channel, json.dumps(list(d.option_order)),
            iso(d.created_at), iso(d.closes_at) if d.closes_at else None, d.message_ref)


class DeliveryWriter(GroupCommit[_New]):
    """Every `/drill next` records a delivery before its card is shown (the buttons name it).

    One transaction each queued a burst of commands behind the writer, three statements at a
    time; deliveries that arrive while a transaction runs now share the next one's INSERT. A
    row the database refuses (a member forgotten a moment ago: the foreign key) fails alone
    (GroupCommit._run).
    """

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(task_name="delivery-batches")
        self.db = db

    async def create(self, delivery: Delivery) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._submit(_New(delivery, future))

    async def _write(self, batch: Sequence[_New]) -> list[None]:
        async with self.db.transaction() as conn:
            await conn.execute(_INSERT.format(rows=rows_of(len(batch), 11)),
                               [v for item in batch for v in _params(item.delivery)])
        return [None] * len(batch)
