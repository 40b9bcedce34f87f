"""One asyncpg connection in the shape the shared store statements use (aiosqlite's execute and cursor)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

_MARK = re.compile(r"\?")
# Statements whose rows the caller reads; the rest report a row count from the command tag.
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


@functools.lru_cache(maxsize=2048)
def numbered(sql: str) -> tuple[str, bool]:
    """`?` placeholders as `$1, $2, …`, and whether the statement returns rows. The shared SQL
    holds no `?` inside a string literal, so a plain scan is exact."""
    counter = iter(range(1, 1 << 16))
    return _MARK.sub(lambda _m: f"${next(counter)}", sql), bool(_RETURNS_ROWS.search(sql))


class PgCursor:
    """The rows of one statement (already fetched), and its row count."""

    __slots__ = ("_rows", "_next", "rowcount", "row_factory")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows, self._next, self.rowcount = rows, 0, rowcount
        self.row_factory: object = True  # None: plain tuples, as with aiosqlite

    async def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._shape(self._rows[self._next - 1])

    async def fetchall(self) -> list[Any]:
        rest, self._next = self._rows[self._next:], len(self._rows)
        return rest if self.row_factory is not None else [tuple(r) for r in rest]

    def _shape(self, row: Any) -> Any:
        return row if self.row_factory is not None else tuple(row)


class PgConnection:
    """asyncpg under the calls the shared statements make: execute, execute_fetchall, executemany.

    asyncpg's Record answers both row["name"] and row[0], like aiosqlite.Row.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        text, returns = numbered(sql)
        if returns:
            rows = await self.raw.fetch(text, *params)
            return PgCursor(rows, len(rows))
        status = await self.raw.execute(text, *params)
        return PgCursor([], _count(status))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await (await self.execute(sql, params)).fetchall()

    async def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(p) for p in seq_of_params]
        if rows:
            await self.raw.executemany(numbered(sql)[0], rows)


def _count(status: str) -> int:
    """The row count in a command tag: 'INSERT 0 3' → 3, 'UPDATE 1' → 1, 'CREATE TABLE' → 0."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0
