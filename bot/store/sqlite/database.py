"""An aiosqlite database file: safe opening, versioned migrations, serialized transactions."""

from __future__ import annotations

import asyncio
import os
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import StoreBusy, StoreError
from bot.store.sqlite.checkpoint import WalCheckpointer
from bot.store.sqlite.dialect import SQLITE

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
# RETURNING (3.35: member upserts) and 32,766 bound variables per statement (3.32: answer batches).
MIN_SQLITE = (3, 35, 0)
BUSY_TIMEOUT_MS = 5000
# Owner-only: the database holds names, answers and the pseudonym salt (umask may be laxer).
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in bot/store/migrations, by version."""
    found = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name[5:-4], entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two migrations share a version number: {versions}")
    return found


def latest_version() -> int:
    return max((v for v, _, _ in migrations()), default=0)


def _check_place(path: Path) -> None:
    """Refuse, in one line naming the setting, a path that cannot hold this bot's database."""
    if path.is_dir():
        raise StoreError(f"SAGA_DRILLS_DB={path} is a folder; name a file in it, e.g. {path / 'saga-drills.db'}")
    if path.exists() and not path.is_file():
        raise StoreError(f"SAGA_DRILLS_DB={path} is not a regular file (a device or a socket); point it at a database file")
    folder = next((p for p in path.absolute().parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise StoreError(f"SAGA_DRILLS_DB={path}: {folder} is a file, not a folder")
    if not path.absolute().parent.exists():
        # A typo in the folder would otherwise grow a fresh, empty database somewhere unexpected.
        raise StoreError(f"SAGA_DRILLS_DB={path}: the folder {path.absolute().parent} does not exist; create it first")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"SAGA_DRILLS_DB={path} is not readable and writable by this user; fix its permissions or point elsewhere")
    if not path.exists() and folder is not None and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"SAGA_DRILLS_DB={path}: cannot create it, {folder} is not writable by this user")


def _inspect(path: Path) -> int:
    """Schema version of an existing file without changing it; refuse what we cannot open."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise StoreError(f"{path} is not a SQLite database; it was left untouched. Point SAGA_DRILLS_DB at another file.")
    try:
        # With no -wal beside it nobody has the file open, and `immutable` reads it without creating
        # -wal/-shm files, so a refused file is left exactly as it was found.
        closed = not Path(f"{path}-wal").exists()
        conn = sqlite3.connect(f"file:{path}?mode=ro{'&immutable=1' if closed else ''}", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").fetchone()
            if not has:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
                if tables:
                    raise StoreError(f"{path} is a SQLite database of another program ({tables} tables, no schema_migrations); it was left untouched.")
                return 0
            return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read as a SQLite database ({exc}); it was left untouched.") from None


class SqliteDatabase:
    """The writer connection (WAL, a busy timeout, foreign keys) and a read-only one beside it.

    aiosqlite runs every statement on one worker thread, so two coroutines sharing the writer
    would interleave inside each other's transactions; `transaction()` serializes them. Reads go
    to their own connection: in WAL mode they see the last commit and never wait for a writer, so
    a write blocked by another process's lock holds up no read. Across processes, BEGIN
    IMMEDIATE and unique keys do the work.
    """

    dialect = SQLITE

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.path = path
        self.conn = conn
        self._lock = asyncio.Lock()
        self.reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()
        self.checkpointer = WalCheckpointer(path)
        self._committing: asyncio.Future[Any] | None = None

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:
        path = Path(path)
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"this Python is built with SQLite {sqlite3.sqlite_version}; saga-drills needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer. Use a Python from python.org or a newer distribution."
            )
        _check_place(path)
        version = _inspect(path)
        newest = latest_version()
        if version > newest:
            raise StoreError(
                f"{path} has schema version {version}, newer than this saga-drills knows ({newest}); "
                "upgrade saga-drills. The file was left untouched."
            )
        try:
            _create_private(path)
        except OSError as exc:
            raise StoreError(f"SAGA_DRILLS_DB={path}: cannot create it ({exc.strerror})") from None
        conn = await aiosqlite.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = aiosqlite.Row
        db = cls(path, conn)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a commit is durable against process crashes; only a power
            # loss can drop the last transactions. That is the trade every SQLite bot makes.
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            # Checkpoints run on a connection of their own (see WalCheckpointer), not inside a COMMIT.
            await conn.execute("PRAGMA wal_autocheckpoint = 0")
            await db._migrate()
            db.reader = await _open_reader(path)
        except BaseException:
            await db.checkpointer.close()
            await conn.close()
            raise
        return db

    async def _migrate(self) -> None:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version, name, sql in migrations():
            async with self.transaction() as conn:
                # Re-checked inside the write lock: two processes may start at once.
                cur = await conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
                if await cur.fetchone():
                    continue
                log.info("applying migration %04d_%s to %s", version, name, self.path)
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, datetime.now(timezone.utc).isoformat()),
                )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; a locked file raises StoreBusy.

        Cancellation is an error like any other: a statement already handed to aiosqlite's
        thread still runs, so the rollback waits for it and is shielded from a second cancel,
        and the connection is never left inside a transaction. The block may send its COMMIT
        early (`commit_early`); its end then waits for that COMMIT.
        """
        # Waiting is bounded by one busy timeout in all, the queue for the writer included: behind
        # another process's lock, the tenth caller must not wait ten timeouts for an honest "busy".
        loop = asyncio.get_running_loop()
        asked = loop.time()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for runs the acquire in a task of its own,
            # two extra turns of the loop per transaction even when the lock is free, and during a
            # burst each turn waits behind every click in flight (benchmarks/discord_path.py).
            async with asyncio.timeout(BUSY_TIMEOUT_MS / 1000):
                await self._lock.acquire()
        except TimeoutError:
            raise StoreBusy(f"{self.path} is busy: other writes held it for {BUSY_TIMEOUT_MS / 1000:.0f} s; "
                            "nothing was written, try again") from None
        waited_ms = int((loop.time() - asked) * 1000)
        shortened = waited_ms > 100  # only a caller that queued pays two PRAGMAs for its budget
        try:
            if shortened:
                await self.conn.execute(f"PRAGMA busy_timeout = {max(1, BUSY_TIMEOUT_MS - waited_ms)}")
            await self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            await (self._committing if self._committing is not None else self.conn.execute("COMMIT"))
            self.checkpointer.committed()
        except BaseException as exc:
            if self._committing is not None:  # let it finish first: what it committed stays
                await asyncio.gather(self._committing, return_exceptions=True)
            await asyncio.shield(self._rollback_if_open())
            if isinstance(exc, sqlite3.OperationalError):
                raise _busy(exc, self.path) from None
            raise
        finally:
            self._committing = None
            try:
                if shortened:
                    await asyncio.shield(self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))
            finally:
                self._lock.release()

    def commit_early(self) -> None:
        """Inside `transaction()`: send COMMIT now, so that the block's remaining work overlaps it.

        Only for a block that writes nothing more after it, and whose remaining work need not
        undo the transaction if it fails: from here on the data is committed.
        """
        if self._committing is None:
            self._committing = asyncio.ensure_future(self.conn.execute("COMMIT"))

    async def _rollback_if_open(self) -> None:
        # aiosqlite runs statements in order on one thread: this no-op returns only after every
        # statement sent before it, so in_transaction is then safe to read.
        await self.conn.execute("SELECT 1")
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The read connection: the last commit, never a write's open transaction, never its lock."""
        assert self.reader is not None, "open() opens the reader"
        async with self._read_lock:
            try:
                yield self.reader
            except sqlite3.OperationalError as exc:
                raise _busy(exc, self.path) from None

    async def backup(self, target: Path) -> None:
        target = Path(target)
        if target.resolve() == self.path.resolve():
            raise StoreError("the backup path is the database itself")
        target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        _create_private(target)
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self.conn.backup(dest)
            finally:
                await dest.close()

    async def close(self) -> None:
        await self.checkpointer.close()
        if self.reader is not None:
            await self.reader.close()
        await self.conn.close()


async def _open_reader(path: Path) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    reader.row_factory = aiosqlite.Row
    await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await reader.execute("PRAGMA query_only = ON")  # a read that tries to write is a bug: fail loudly
    return reader


def _create_private(path: Path) -> None:
    """Create `path` empty and owner-only if it does not exist yet.

    The file holds names, answers and the export pseudonym salt. SQLite gives its -wal and -shm
    files the database file's own mode, so creating this one 0600 covers all three.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass


def _busy(exc: sqlite3.OperationalError, path: Path) -> StoreError:
    if "locked" in str(exc) or "busy" in str(exc):
        return StoreBusy(f"{path} stayed locked by another process for {BUSY_TIMEOUT_MS / 1000:.0f} s; nothing was written, try again")
    return StoreError(f"{path}: {exc}")


def _statements(sql: str) -> list[str]:
    """Split a migration file on semicolons that end a line; our migrations hold no triggers."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]
