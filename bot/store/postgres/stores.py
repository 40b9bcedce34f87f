"""The PostgreSQL stores: the shared statements of bot/store/sqlite/ run on PgDatabase through its dialect."""

from __future__ import annotations

from bot.store.postgres.database import PgDatabase
from bot.store.sqlite.boards import SqliteBoardStore
from bot.store.sqlite.core import SqliteStore
from bot.store.sqlite.schedules import SqliteScheduleStore
from bot.store.sqlite.seasons import SqliteSeasonStore


class PostgresStore(SqliteStore):
    """The core store; its answers still go through AnswerWriter's group commit, one transaction a batch."""

    @classmethod
    async def open_url(cls, url: str, *, shown: str) -> PostgresStore:
        return cls(await PgDatabase.open(url, shown=shown))  # type: ignore[arg-type]

    def serving(self) -> str | None:
        # asyncpg works on the event loop itself: no database thread waits for the GIL, so the
        # SQLite backend's interpreter settings buy nothing here and stay unset.
        return None


class PostgresScheduleStore(SqliteScheduleStore):
    """Schedules, runs, batches and the outbox; the outbox claim skips rows another sender holds."""


class PostgresBoardStore(SqliteBoardStore):
    """The boards; folds take turns and stop below any answer still committing (PostgresDialect.fold_horizon)."""


class PostgresSeasonStore(SqliteSeasonStore):
    """Seasons; a lost race on the one-open-season key is StoreConflict, as on SQLite."""
