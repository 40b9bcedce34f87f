"""PostgreSQL's SQL fragments where it differs from SQLite in words or meaning (see bot/store/sqlite/dialect.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from bot.store.sqlite.dialect import Dialect

# Advisory lock keys (any bigint; these spell "sagadrl" + a digit). Answer writers hold WRITERS
# shared for their transaction; a folder takes it exclusively for a moment to let them finish.
FOLD_KEY = 0x73616761647201
WRITERS_KEY = 0x73616761647202
MIGRATE_KEY = 0x73616761647203


class PostgresDialect(Dialect):
    """The fragments for PostgreSQL 13 and later, under READ COMMITTED."""

    name = "postgresql"
    # An identity column added by the PostgreSQL migrations (bot/store/postgres/migrate.py).
    answer_seq = "seq"
    has_data_version = False
    queues_statements = False
    # EXTRACT … / 86400 is the day count julianday() gives; TRUNC, because CAST rounds here.
    # The parameter is text (as every instant is stored), so it is cast twice.
    held_days = ("GREATEST(0, TRUNC(EXTRACT(EPOCH FROM (CAST(CAST(? AS TEXT) AS timestamptz)"
                 " - CAST(last_review AS timestamptz))) / 86400))")
    integrity_errors = (asyncpg.UniqueViolationError,)
    # Under READ COMMITTED two senders' inner SELECTs see the same free rows; locking them, and
    # passing over rows another sender has locked, hands each row to one sender.
    skip_locked = "FOR UPDATE SKIP LOCKED"

    def group_concat(self, expr: str, *, distinct: bool = False) -> str:
        return f"string_agg({'DISTINCT ' if distinct else ''}{expr}, ',')"

    async def lock_members(self, conn: Any, member_ids: Sequence[str]) -> None:
        """The members' rows, locked in id order before the batch reads their cards: two workers
        answering for one member take turns instead of each reviewing the card it read. The
        shared WRITERS lock lets a board fold wait until this transaction's answers commit."""
        await conn.execute("SELECT pg_advisory_xact_lock_shared(?)", (WRITERS_KEY,))
        if member_ids:
            marks = ", ".join("?" * len(member_ids))
            await conn.execute(f"SELECT id FROM members WHERE id IN ({marks}) ORDER BY id FOR UPDATE", tuple(member_ids))

    async def fold_horizon(self, conn: Any) -> int:
        """The highest answer seq a fold may take, once no answer below it can still commit.

        Identity values are handed out at INSERT, not at COMMIT: an answer that commits late has
        a seq below ones already folded, and `seq > cursor` would skip it for ever. So folders
        take turns (FOLD_KEY, held to COMMIT, also stops two folders counting twice), then wait
        for every answer transaction in flight (WRITERS_KEY, taken and given back at once); an
        answer begun after that gets a higher seq than any seen now.
        """
        await conn.execute("SELECT pg_advisory_xact_lock(?)", (FOLD_KEY,))
        await conn.execute("SELECT pg_advisory_lock(?)", (WRITERS_KEY,))
        await conn.execute("SELECT pg_advisory_unlock(?)", (WRITERS_KEY,))
        cur = await conn.execute("SELECT COALESCE(MAX(seq), 0) FROM answers")
        return int((await cur.fetchone())[0])


POSTGRES = PostgresDialect()
