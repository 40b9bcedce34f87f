"""The shared migrations on PostgreSQL: each file's statements with PostgreSQL's types, under an advisory lock."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone

import asyncpg

from bot.store import StoreError
from bot.store.postgres.dialect import MIGRATE_KEY
from bot.store.sqlite.database import _statements, latest_version, migrations

log = logging.getLogger(__name__)

# REAL is single precision here (FSRS stability and difficulty would drift); every text column
# compares byte by byte, as in SQLite, whatever the database's collation (prefix scans, ORDER BY).
_TYPES = ((re.compile(r"\bREAL\b"), "DOUBLE PRECISION"), (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'))
# What PostgreSQL needs beyond a file, after it: the fold cursor's column (SQLite has rowid).
EXTRA: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE answers ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY",
        "CREATE UNIQUE INDEX answers_seq ON answers (seq)"),
}


def translated(version: int, sql: str) -> list[str]:
    """A migration file's statements as PostgreSQL runs them."""
    out = []
    for statement in _statements(sql):
        for pattern, replacement in _TYPES:
            statement = pattern.sub(replacement, statement)
        out.append(statement)
    return [*out, *EXTRA.get(version, ())]


async def schema_version(conn: asyncpg.Connection, shown: str) -> int:
    """The database's schema version without changing it; refuse a database of another program."""
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        tables = await conn.fetchval(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
        if tables:
            raise StoreError(f"SAGA_DRILLS_DB={shown} holds {tables} tables of another program (no schema_migrations); "
                             "it was left untouched. Point SAGA_DRILLS_DB at an empty database.")
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(conn: asyncpg.Connection, shown: str) -> list[int]:
    """Apply every missing migration, one transaction each; returns the versions this call applied.

    Processes starting at once take turns on a session advisory lock, and each re-reads the
    applied versions once it holds it, so every migration runs exactly once.
    """
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATE_KEY)
    try:
        version, newest = await schema_version(conn, shown), latest_version()
        if version > newest:
            raise StoreError(f"SAGA_DRILLS_DB={shown} has schema version {version}, newer than this saga-drills "
                             f"knows ({newest}); upgrade saga-drills. The database was left untouched.")
        applied: list[int] = []
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                           "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for number, name, sql in migrations():
            if number in done:
                continue
            log.info("applying migration %04d_%s to %s", number, name, shown)
            async with conn.transaction():
                for statement in translated(number, sql):
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                   number, name, datetime.now(timezone.utc).isoformat())
            applied.append(number)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATE_KEY)
