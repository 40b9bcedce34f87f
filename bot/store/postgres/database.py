"""A PostgreSQL database on an asyncpg pool: opening with clear errors, migrations, READ COMMITTED transactions."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.store import StoreBusy, StoreError
from bot.store.postgres.connection import PgConnection
from bot.store.postgres.dialect import POSTGRES
from bot.store.postgres.migrate import migrate

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
# Lock waits (a member row, a fold) end as StoreBusy after this, like SQLite's busy timeout.
LOCK_TIMEOUT_MS = 5000
POOL_SIZE = 8
MIGRATE_LOCK_TIMEOUT_MS = 60_000

# Worth a retry, and nothing was written. InvalidCachedStatementError: a newer release migrated
# while this one serves (a rolling deploy) and a cached plan went stale inside a transaction;
# asyncpg drops that plan, so the retry prepares it afresh.
_BUSY = (asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError,
         asyncpg.SerializationError, asyncpg.TooManyConnectionsError, asyncpg.CannotConnectNowError,
         asyncpg.InvalidCachedStatementError)
# A server that ended the session (restart, failover, pg_terminate_backend) shows as one of these;
# asyncpg's client errors included: a connection the server dropped while idle in the pool is
# found broken ("another operation is in progress") by the next statement sent on it.
_LOST = (asyncpg.ConnectionDoesNotExistError, asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
         asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


@dataclass
class _Transaction:
    raw: asyncpg.Connection
    committing: asyncio.Future[Any] | None = None


# The transaction the current task is inside: commit_early() must find its own, not another's.
_current: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar("saga_pg_transaction", default=None)


@contextmanager
def _connecting(shown: str) -> Iterator[None]:
    """A failed connection attempt as a StoreError naming the setting (never the password)."""
    try:
        yield
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise StoreError(f"SAGA_DRILLS_DB={shown}: the server refused the credentials ({exc}); "
                         "check the user and password in the URL") from None
    except asyncpg.InvalidCatalogNameError as exc:
        raise StoreError(f"SAGA_DRILLS_DB={shown}: {exc}; create it first (createdb)") from None
    except (OSError, asyncio.TimeoutError, asyncpg.CannotConnectNowError) as exc:
        reason = str(exc) or type(exc).__name__
        raise StoreError(f"SAGA_DRILLS_DB={shown}: cannot reach the PostgreSQL server ({reason}); "
                         "check the host and port, and that it is running") from None
    except asyncpg.PostgresError as exc:
        raise StoreError(f"SAGA_DRILLS_DB={shown}: {exc}") from None


class PgDatabase:
    """A pool of connections; `transaction()` and `reading()` as SqliteDatabase has them.

    Unlike SQLite, transactions of one process run side by side, one pool connection each: the
    shared statements' claims are unique keys, guarded UPDATEs and the dialect's row locks.
    """

    dialect = POSTGRES

    def __init__(self, pool: asyncpg.Pool, shown: str) -> None:
        self.pool = pool
        self.shown = shown
        self.path = shown  # what messages call the database

    @classmethod
    async def open(cls, url: str, *, shown: str) -> PgDatabase:
        with _connecting(shown):
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT_S,
                server_settings={"lock_timeout": str(LOCK_TIMEOUT_MS), "application_name": "saga-drills"})
        try:
            # On the pool's first connection: one login at start, not two.
            async with pool.acquire() as conn:
                # Waiting for another process to finish migrating is fine for a while; it is starting too.
                await conn.execute(f"SET lock_timeout = {MIGRATE_LOCK_TIMEOUT_MS}")
                try:
                    await migrate(conn, shown)
                finally:
                    await conn.execute("RESET lock_timeout")
        except asyncpg.PostgresError as exc:
            await pool.close()
            raise StoreError(f"SAGA_DRILLS_DB={shown}: migrating failed ({exc})") from None
        except BaseException:
            await pool.close()
            raise
        return cls(pool, shown)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            raw = await self.pool.acquire(timeout=LOCK_TIMEOUT_MS / 1000)
        except (asyncio.TimeoutError, *_BUSY, *_LOST) as exc:
            raise StoreBusy(f"{self.shown}: no database connection within {LOCK_TIMEOUT_MS / 1000:.0f} s ({exc or 'timeout'}); "
                            "nothing was written, try again") from None
        try:
            yield raw
        finally:
            await self.pool.release(raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """BEGIN … COMMIT on one pool connection, rolled back on any error; lock waits and a lost
        connection raise StoreBusy. The block may send its COMMIT early (`commit_early`)."""
        async with self._connection() as raw:
            tx = _Transaction(raw)
            token = _current.set(tx)
            try:
                await raw.execute("BEGIN")
                yield PgConnection(raw)
                await (tx.committing if tx.committing is not None else raw.execute("COMMIT"))
            except BaseException as exc:
                if tx.committing is not None:
                    await asyncio.gather(tx.committing, return_exceptions=True)
                await asyncio.shield(_rollback_if_open(raw, exc))
                translated = _translated(exc, self.shown)
                if translated is exc:
                    raise
                raise translated from None
            finally:
                _current.reset(token)

    def commit_early(self) -> None:
        """Inside `transaction()`: send COMMIT now (see SqliteDatabase.commit_early)."""
        tx = _current.get()
        if tx is not None and tx.committing is None:
            tx.committing = asyncio.ensure_future(tx.raw.execute("COMMIT"))

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgConnection]:
        """A pool connection outside any transaction: each statement reads the last commit."""
        async with self._connection() as raw:
            try:
                yield PgConnection(raw)
            except BaseException as exc:
                if isinstance(exc, _LOST):
                    raw.terminate()  # the pool opens a fresh one in its place
                translated = _translated(exc, self.shown)
                if translated is exc:
                    raise
                raise translated from None

    async def backup(self, target: Path) -> None:
        raise StoreError(f"SAGA_DRILLS_DB={self.shown} is a PostgreSQL database; `db backup` copies SQLite files only. "
                         "Back it up with pg_dump, e.g. pg_dump --format=custom --file=saga-drills.dump \"$URL\"")

    async def close(self) -> None:
        await self.pool.close()


async def _rollback_if_open(raw: asyncpg.Connection, exc: BaseException) -> None:
    if isinstance(exc, _LOST):
        raw.terminate()  # the pool opens a fresh one in its place
        return
    try:
        if not raw.is_closed() and raw.is_in_transaction():
            await raw.execute("ROLLBACK")
    except (*_LOST, asyncpg.PostgresError):
        log.warning("rollback failed; the connection is dropped", exc_info=True)
        raw.terminate()


def _translated(exc: BaseException, shown: str) -> BaseException:
    if isinstance(exc, _BUSY):
        return StoreBusy(f"{shown} is busy ({exc}); nothing was written, try again")
    if isinstance(exc, _LOST):
        return StoreBusy(f"{shown}: the connection to the database was lost ({exc or type(exc).__name__}); try again")
    return exc
