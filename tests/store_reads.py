"""Reads only tests need, run through a store's own connection so they hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.store.sqlite.core import SqliteStore


async def rows(store: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple]:  # noqa: ANN401
    """Every row of `sql` (shared `?` placeholders), as tuples, from the store's database."""
    async with store.db.reading() as conn:
        cur = await conn.execute(sql, params)
        return [tuple(r) for r in await cur.fetchall()]


async def count(store: Any, sql: str, params: Sequence[Any] = ()) -> int:  # noqa: ANN401
    """The single number `sql` selects (a COUNT, a MAX), 0 when it is NULL."""
    found = await rows(store, sql, params)
    return int(found[0][0] or 0)


async def tables(store: Any) -> list[str]:  # noqa: ANN401
    """The names of the store's tables, from its backend's own catalogue."""
    if store.db.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
    return [str(r[0]) for r in await rows(store, sql)]


def rows_in(db: Path, sql: str) -> list[tuple]:
    """For a test without an event loop (a CLI run, a subprocess): open the store on `db`, read, close."""
    async def read() -> list[tuple]:
        store = await SqliteStore.open(db)
        try:
            return await rows(store, sql)
        finally:
            await store.close()
    return asyncio.run(read())
