"""The PostgreSQL backend (SAGA_DRILLS_DB=postgresql://…): several processes on one database.

The statements are SQLite's (bot/store/sqlite/), written in the subset both share; where the
words or the meaning differ, bot/store/postgres/dialect.py holds PostgreSQL's fragment. asyncpg
is an optional extra, so this module imports it only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

import importlib.util

from bot.store import StoreError
from bot.store.sqlite import Stores

MISSING_DRIVER = ("SAGA_DRILLS_DB is a PostgreSQL URL, but the PostgreSQL driver is not installed; "
                  "install the extra: pip install 'saga-drills[postgres]'")


async def open_stores(url: str, *, shown: str) -> Stores:
    """Open (and migrate) the database at `url`; `shown` is the URL without its password, for messages."""
    if importlib.util.find_spec("asyncpg") is None:
        raise StoreError(MISSING_DRIVER)
    from bot.store.postgres.stores import PostgresBoardStore, PostgresScheduleStore, PostgresSeasonStore, PostgresStore

    core = await PostgresStore.open_url(url, shown=shown)
    db = core.db
    return Stores(core=core, schedules=PostgresScheduleStore(db), boards=PostgresBoardStore(db),
                  seasons=PostgresSeasonStore(db))
