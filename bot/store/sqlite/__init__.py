"""The embedded SQLite backend: every SQL statement and every SQLite trick of Saga Drills lives here.

open_stores(path) opens one database and builds each feature's store on it. A second backend
is a sibling package with its own open_stores, and one line in bot.runtime.open_app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store.sqlite.boards import SqliteBoardStore
from bot.store.sqlite.core import SqliteStore
from bot.store.sqlite.schedules import SqliteScheduleStore
from bot.store.sqlite.seasons import SqliteSeasonStore


@dataclass(frozen=True)
class Stores:
    """Every store of one database: the core's, and one per feature."""

    core: SqliteStore
    schedules: SqliteScheduleStore
    boards: SqliteBoardStore
    seasons: SqliteSeasonStore

    async def close(self) -> None:
        await self.core.close()


async def open_stores(path: Path) -> Stores:
    """Open (and migrate) the database at `path`, and build every store on that one connection."""
    core = await SqliteStore.open(path)
    return Stores(core=core, schedules=SqliteScheduleStore(core.db), boards=SqliteBoardStore(core.db),
                  seasons=SqliteSeasonStore(core.db))
