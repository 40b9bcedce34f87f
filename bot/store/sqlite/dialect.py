"""The SQL fragments where SQLite and PostgreSQL differ in words or meaning; SQLite's here, PostgreSQL's beside it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class Dialect:
    """SQLite's fragments. The shared statements in this package ask `db.dialect` for these and
    nothing else; bot/store/postgres/dialect.py fills them for PostgreSQL."""

    name = "sqlite"
    # The fold cursor's column: answers only grow, and under BEGIN IMMEDIATE rowids are handed out
    # in commit order, so `rowid > cursor` is exactly what is unseen.
    answer_seq = "rowid"
    # A PRAGMA that changes exactly when another connection commits (see SnapshotCache).
    has_data_version = True
    # Statements may be sent before the previous one answered: aiosqlite runs them in order on
    # the connection's one thread (asyncpg refuses a second operation in flight).
    queues_statements = True
    # Whole days from the first `?` (now) to last_review, never negative; CAST truncates in SQLite.
    held_days = "MAX(0, CAST(julianday(?) - julianday(last_review) AS INTEGER))"
    # After the outbox claim's inner SELECT: BEGIN IMMEDIATE already keeps two senders apart.
    skip_locked = ""
    # What a unique key's refusal raises, for the rare race a statement cannot express.
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def group_concat(self, expr: str, *, distinct: bool = False) -> str:
        return f"group_concat({'DISTINCT ' if distinct else ''}{expr})"

    async def lock_members(self, conn: Any, member_ids: Sequence[str]) -> None:
        """Before an answer batch reads cards: BEGIN IMMEDIATE already holds the whole file."""

    async def fold_horizon(self, conn: Any) -> int | None:
        """Before a board fold: None, BEGIN IMMEDIATE already orders folders and writers."""
        return None


SQLITE = Dialect()
