"""Reads only tests need, run through a store's own connection so they hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


async def rows(store: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple]:  # noqa: ANN401
    """Every row of `sql` (shared `?` placeholders), as tuples, from the store's database."""
    async with store.db.reading() as conn:
        cur = await conn.execute(sql, params)
        return [tuple(r) for r in await cur.fetchall()]


async def count(store: Any, sql: str, params: Sequence[Any] = ()) -> int:  # noqa: ANN401
    """The single number `sql` selects (a COUNT, a MAX), 0 when it is NULL."""
    found = await rows(store, sql, params)
    return int(found[0][0] or 0)
