"""SqliteStore on a real file: idempotent answers, migrations, and files it must refuse to touch."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot import srs
from bot.messages import MemberRef
from bot.store import AnswerRecord, Delivery, StoreBusy, StoreError
from bot.store.sqlite.checkpoint import WalCheckpointer
from bot.store.sqlite.database import latest_version
from bot.store.sqlite.core import SqliteStore, new_id
from tests.conftest import T0
from tests.store_reads import count

ALICE = MemberRef(platform="slack", space="T1", user_id="U1", display_name="alice")


async def _delivery(store: SqliteStore, member_id: str | None = None, *, drill_id: str = "d1") -> Delivery:
    d = Delivery(id=new_id(), drill_id=drill_id, kind="on_demand", member_id=member_id, platform="slack", space="T1",
                 option_order=(2, 0, 1, 3), created_at=T0)
    await store.create_delivery(d)
    return d


@pytest.fixture
async def two_stores(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two stores on one file, as two processes would have."""
    path = tmp_path / "shared.db"
    a, b = await SqliteStore.open(path), await SqliteStore.open(path)
    yield path, a, b
    await a.close()
    await b.close()


def _answer(d: Delivery, member_id: str, option: int, correct: bool, *, at=T0) -> AnswerRecord:
    return AnswerRecord(delivery_id=d.id, member_id=member_id, drill_id=d.drill_id, option_index=option,
                        correct=correct, answered_at=at)


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


async def test_same_answer_twice_counts_once(store: SqliteStore) -> None:
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)
    first = await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    again = await store.record_answer(_answer(d, member.id, 1, False, at=T0 + timedelta(seconds=2)), srs.review)
    assert not first.duplicate and again.duplicate
    assert again.answer.option_index == 0 and again.answer.correct, "a repeat returns the first answer"
    assert await count(store, "SELECT COUNT(*) FROM answers") == 1
    [card] = await store.cards_for(member.id)
    assert card.reviews == 1 and card.last_correct


@pytest.mark.parametrize("processes", [1, 2])
async def test_two_answers_at_once_count_once(two_stores, processes: int) -> None:  # type: ignore[no-untyped-def]
    """A double click in one process, or the same answer through two stores (as two processes
    would have) on one file: the unique key decides, not memory."""
    _, a, b = two_stores
    other = b if processes == 2 else a
    member = await a.ensure_member(ALICE, now=T0)
    d = await _delivery(a, member.id)
    results = await asyncio.gather(
        a.record_answer(_answer(d, member.id, 1, False), srs.review),
        other.record_answer(_answer(d, member.id, 0, True), srs.review),
    )
    assert sorted(r.duplicate for r in results) == [False, True]
    assert results[0].answer == results[1].answer
    assert await count(a, "SELECT COUNT(*) FROM answers") == 1
    assert await count(a, "SELECT reviews FROM review_cards") == 1


async def test_snapshot_sees_what_another_process_wrote(two_stores) -> None:  # type: ignore[no-untyped-def]
    """The member's snapshot is cached between answers; a write by another connection must show."""
    _, a, b = two_stores
    member = await a.ensure_member(ALICE, now=T0)
    d1, d2, d3 = await _delivery(a, member.id), await _delivery(b, member.id, drill_id="d2"), await _delivery(a, member.id)
    first = await a.record_answer(_answer(d1, member.id, 0, True), srs.review)
    assert first.snapshot.answered == 1
    await b.record_answer(_answer(d2, member.id, 0, False, at=T0 + timedelta(minutes=1)), srs.review)
    third = await a.record_answer(_answer(d3, member.id, 0, True, at=T0 + timedelta(minutes=2)), srs.review)
    assert third.snapshot.answered == 3 and third.snapshot.correct == 2
    assert set(third.snapshot.cards) == {"d1", "d2"}
    assert not third.snapshot.cards["d2"].last_correct, "the card written by the other process"
    assert third.snapshot.cards["d1"].reviews == 2, "d1's second review built on the first"
    assert (await a.member_snapshot(member.id, since=T0 - timedelta(days=1))).answered == 3
    await b.record_answer(_answer(await _delivery(b, member.id), member.id, 0, True,
                                  at=T0 + timedelta(minutes=3)), srs.review)
    stats = await a.member_snapshot(member.id, since=T0 - timedelta(days=1))
    assert stats.answered == 4 and len(stats.recent) == 4


async def test_a_batch_that_fails_midway_leaves_no_rows_and_no_cached_state(store: SqliteStore) -> None:
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)

    def broken_review(card, answer):
        raise RuntimeError("review failed")

    with pytest.raises(RuntimeError, match="review failed"):
        await store.record_answer(_answer(d, member.id, 0, True), broken_review)
    assert await count(store, "SELECT COUNT(*) FROM answers") == 0
    result = await store.record_answer(_answer(d, member.id, 1, False), srs.review)
    assert not result.duplicate and result.snapshot.answered == 1 and result.snapshot.correct == 0
    assert await count(store, "SELECT COUNT(*) FROM answers") == 1


@pytest.mark.sqlite_only("WAL checkpoints: reads the database file without its write-ahead log")
async def test_checkpoints_copy_the_log_back_without_the_writer(store: SqliteStore, db_path: Path) -> None:
    """The writer's COMMIT no longer checkpoints; the checkpointer's own connection does."""
    members = [await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U{i}"), now=T0) for i in range(20)]
    d = await _delivery(store)
    await asyncio.gather(*(store.record_answer(_answer(d, m.id, 0, True), srs.review) for m in members))
    await store.db.checkpointer.idle()
    # immutable=1 reads the database file alone, ignoring the write-ahead log.
    with sqlite3.connect(f"file:{db_path}?immutable=1", uri=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 20
        assert conn.execute("SELECT COUNT(*) FROM review_cards").fetchone()[0] == 20
    # The writer's own setting (the read connection commits nothing, so it never checkpoints).
    assert (await store.db.conn.execute_fetchall("PRAGMA wal_autocheckpoint"))[0][0] == 0


@pytest.mark.sqlite_only("WAL checkpoints: reads the database file without its write-ahead log")
async def test_checkpoints_are_spaced_and_closing_does_not_wait_for_the_next(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "spaced.db")
    try:
        await store.db.checkpointer.idle()
        runs = store.db.checkpointer.runs
        assert runs >= 1, "the migrations' commits were checkpointed"
        store.db.checkpointer.spacing = 3600.0
        for i in range(5):
            await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U{i}"), now=T0)
        await asyncio.sleep(0)  # not a timing sleep: one turn of the loop starts the checkpointer task
        assert store.db.checkpointer.runs == runs, "five commits wait for one spaced checkpoint"
    finally:
        await asyncio.wait_for(store.close(), timeout=10)  # cancels the hour's wait
    assert not (tmp_path / "spaced.db-wal").exists(), "the writer's close copied the rest back"
    with sqlite3.connect(f"file:{tmp_path / 'spaced.db'}?immutable=1", uri=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM members").fetchone()[0] == 5


@pytest.mark.sqlite_only("WAL checkpoints: the SQLite checkpointer on a path it cannot open")
async def test_a_failing_checkpoint_is_logged_and_answers_still_count(store: SqliteStore, tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    await store.db.checkpointer.close()
    store.db.checkpointer = WalCheckpointer(tmp_path)  # a folder: it cannot be opened as a database
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)
    result = await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    await store.db.checkpointer.idle()
    assert not result.duplicate and await count(store, "SELECT COUNT(*) FROM answers") == 1
    assert "checkpoint of" in caplog.text and "failed" in caplog.text


@pytest.mark.sqlite_only("a second connection to the file sees only what the SQLite writer committed")
async def test_derive_runs_inside_the_write_and_its_value_comes_back_after_commit(store: SqliteStore, db_path: Path) -> None:
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)
    seen: list[tuple[bool, int, int]] = []

    def derive(result):  # type: ignore[no-untyped-def]
        # Inside the transaction: another connection cannot see the answer yet.
        seen.append((result.duplicate, result.snapshot.answered, _count(db_path, "SELECT COUNT(*) FROM answers")))
        return f"feedback for option {result.answer.option_index}"

    assert await store.record_answer(_answer(d, member.id, 2, False), srs.review, derive=derive) == "feedback for option 2"
    assert _count(db_path, "SELECT COUNT(*) FROM answers") == 1, "returned only after COMMIT"
    again = await store.record_answer(_answer(d, member.id, 0, True), srs.review, derive=derive)
    assert again == "feedback for option 2", "a repeat derives from the first answer"
    assert seen == [(False, 1, 0), (True, 1, 1)]


async def test_a_failing_derive_reaches_its_caller_only_and_the_answer_counts(store: SqliteStore,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    members = [await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U{i}"), now=T0) for i in range(3)]
    d = await _delivery(store)

    def broken(result):  # type: ignore[no-untyped-def]
        raise KeyError("a bug in the feedback")

    outcomes = await asyncio.gather(
        *(store.record_answer(_answer(d, m.id, 0, True), srs.review, derive=broken if i == 1 else (lambda r: "ok"))
          for i, m in enumerate(members)),
        return_exceptions=True,
    )
    assert outcomes[0] == outcomes[2] == "ok" and isinstance(outcomes[1], KeyError)
    assert await count(store, "SELECT COUNT(*) FROM answers") == 3
    assert "deriving the reply to an answer failed" in caplog.text


async def test_a_failed_card_write_commits_nothing(store: SqliteStore) -> None:
    """The COMMIT overlaps the callers' derive, but goes out only after the cards were written."""
    members = [await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U{i}"), now=T0) for i in range(40)]
    d = await _delivery(store)

    def ghost_card(card, answer):  # type: ignore[no-untyped-def]
        return replace(srs.review(card, answer), member_id="nobody")  # breaks the foreign key

    outcomes = await asyncio.gather(*(store.record_answer(_answer(d, m.id, 0, True), ghost_card, derive=lambda r: "ok")
                                      for m in members), return_exceptions=True)
    assert all(isinstance(o, sqlite3.IntegrityError) and "FOREIGN KEY" in str(o) for o in outcomes), outcomes[:2]
    assert await count(store, "SELECT COUNT(*) FROM answers") == 0
    assert await count(store, "SELECT COUNT(*) FROM review_cards") == 0
    result = await store.record_answer(_answer(d, members[0].id, 0, True), srs.review)
    assert not result.duplicate and result.snapshot.answered == 1


async def test_many_members_on_one_channel_delivery(store: SqliteStore) -> None:
    d = await _delivery(store)
    members = [await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U{i}"), now=T0) for i in range(50)]
    await asyncio.gather(*(store.record_answer(_answer(d, m.id, i % 4, i % 4 == 0), srs.review) for i, m in enumerate(members)))
    assert await count(store, "SELECT COUNT(*) FROM answers") == 50
    assert await store.delivery_tally(d.id) == {0: 13, 1: 13, 2: 12, 3: 12}


@pytest.mark.sqlite_only("the SQLite file's migrations table and PRAGMA journal_mode")
async def test_migrations_recorded_and_reopen_is_a_no_op(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    await store.close()
    store = await SqliteStore.open(db_path)
    await store.close()
    assert _count(db_path, "SELECT MAX(version) FROM schema_migrations") == latest_version()
    assert _count(db_path, "SELECT COUNT(*) FROM schema_migrations") == latest_version()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only("file refusal: a newer schema written into the SQLite file, its bytes left untouched")
async def test_newer_schema_is_refused_and_left_untouched(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    await store.close()
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01')")
    conn.close()  # the last connection out removes -wal and -shm
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="schema version 999, newer"):
        await SqliteStore.open(db_path)
    assert db_path.read_bytes() == before
    # Not even the -wal/-shm files a read would create appear beside a refused file.
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


async def test_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(StoreError, match="not a SQLite database"):
        await SqliteStore.open(path)
    assert path.read_text() == "these are my notes, not a database\n"


async def test_an_sqlite_too_old_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(StoreError, match=r"built with SQLite 3\.31\.1; saga-drills needs 3\.35\.0 or newer"):
        await SqliteStore.open(tmp_path / "old.db")
    assert not (tmp_path / "old.db").exists()


@pytest.mark.parametrize(("make", "words"), [
    (lambda tmp: tmp, "is a folder; name a file in it"),
    (lambda tmp: Path("/dev/null"), "is not a regular file"),
    (lambda tmp: (tmp / "plain.txt").write_text("x") and tmp / "plain.txt" / "saga.db", "plain.txt is a file, not a folder"),
    (lambda tmp: tmp / "typo" / "saga.db", "typo does not exist; create it first"),
])
async def test_a_path_that_cannot_hold_the_database_is_one_clear_error(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StoreError, match=words) as err:
        await SqliteStore.open(path)
    assert str(err.value).startswith(f"SAGA_DRILLS_DB={path}")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root writes through any file mode; CI runs as root")
async def test_an_unwritable_folder_or_file_is_named_as_such(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="cannot create it, .* is not writable"):
        await SqliteStore.open(folder / "saga.db")
    existing = tmp_path / "saga.db"
    await (await SqliteStore.open(existing)).close()
    existing.chmod(0o400)
    with pytest.raises(StoreError, match="is not readable and writable"):
        await SqliteStore.open(existing)


@pytest.mark.sqlite_only("file refusal: another program's SQLite file")
async def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="another program"):
        await SqliteStore.open(path)


@pytest.mark.sqlite_only("the SQLite write lock, held from another connection")
async def test_locked_database_raises_store_busy_and_writes_nothing(store: SqliteStore, db_path: Path) -> None:
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)
    await store.db.conn.execute("PRAGMA busy_timeout = 50")  # keep the test quick
    locker = sqlite3.connect(db_path, timeout=0.05)
    locker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy, match="nothing was written"):
            await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    finally:
        locker.rollback()
        locker.close()
    assert _count(db_path, "SELECT COUNT(*) FROM answers") == 0
    result = await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    assert not result.duplicate, "the store works again once the lock is gone"


@pytest.mark.sqlite_only("the SQLite write lock and its busy timeout")
async def test_a_foreign_write_lock_costs_each_member_one_busy_timeout_and_reads_go_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.store.sqlite import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)  # one "busy timeout", kept short for the test
    store = await SqliteStore.open(tmp_path / "saga.db")
    try:
        member = await store.ensure_member(ALICE, now=T0)
        d = await _delivery(store, member.id)
        locker = sqlite3.connect(tmp_path / "saga.db", timeout=0.05)
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        loop = asyncio.get_running_loop()
        started = loop.time()
        finished: list[float] = []

        async def timed(i: int) -> None:
            with pytest.raises(StoreBusy):
                await store.ensure_member(MemberRef(platform="slack", space="T1", user_id=f"U-LOCKED{i}"), now=T0)
            finished.append(loop.time() - started)

        async def read() -> float:
            async with store.db.reading() as conn:
                await conn.execute_fetchall("SELECT COUNT(*) FROM members")
            return loop.time() - started

        results = await asyncio.gather(*(timed(i) for i in range(6)), read())
        read_took = results[-1]
    finally:
        locker.rollback()
        locker.close()
        await store.close()
    # Queued behind one another they used to wait 0.3, 0.6, 0.9 … s; now all hear "busy" within
    # about one timeout, and the read never waited for the blocked writer.
    assert len(finished) == 6 and max(finished) < 0.3 * 1.8, finished
    assert read_took < 0.3, read_took


async def test_forget_member_keeps_team_counts_anonymously(store: SqliteStore) -> None:
    member = await store.ensure_member(ALICE, now=T0)
    d = await _delivery(store, member.id)
    await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    moved = await store.forget_member(member.id)
    assert moved == 1
    assert await store.get_member(member.id) is None
    assert await count(store, "SELECT COUNT(*) FROM answers") == 1
    assert await count(store, "SELECT COUNT(*) FROM members WHERE display_name = 'alice'") == 0
    assert await count(store, "SELECT COUNT(*) FROM review_cards") == 0


@pytest.mark.sqlite_only("backup: the copy is an SQLite file")
async def test_backup_is_a_readable_copy(store: SqliteStore, tmp_path: Path) -> None:
    await store.ensure_member(ALICE, now=T0)
    target = tmp_path / "backup" / "copy.db"
    await store.backup(target)
    assert _count(target, "SELECT COUNT(*) FROM members") == 1


async def test_database_wal_and_backup_are_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    os.umask(0o022)  # the usual default, which would leave them world-readable
    (tmp_path / "new").mkdir(mode=0o700)
    db = tmp_path / "new" / "saga.db"
    store = await SqliteStore.open(db)
    try:
        await store.ensure_member(ALICE, now=T0)
        await store.backup(tmp_path / "backups" / "copy.db")
        # While open: the database, its -wal and -shm files, the backup and both folders.
        modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")}
    finally:
        await store.close()
    assert {"new/saga.db-wal", "new/saga.db-shm"} <= set(modes)
    assert modes["new"] == 0o700 and modes["backups"] == 0o700
    assert {k: v for k, v in modes.items() if k not in ("new", "backups")} == {
        k: 0o600 for k in modes if k not in ("new", "backups")}, modes
    assert "new/saga.db" in modes and "backups/copy.db" in modes


@pytest.mark.parametrize("yields", [0, 1, 2, 3, 4, 5])
async def test_cancelled_write_never_leaves_a_transaction_open(store: SqliteStore, db_path: Path, yields: int) -> None:
    """Cancel a write at each await point (BEGIN, UPDATE, COMMIT): the store keeps working."""
    member = await store.ensure_member(ALICE, now=T0)
    task = asyncio.create_task(store.set_opted_out(member.id, True))
    for _ in range(yields):
        await asyncio.sleep(0)  # not a timing sleep: one turn of the loop moves the task one await on
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await store.set_paused(member.id, T0)  # would fail "cannot start a transaction within a transaction"
    assert not store.db.conn.in_transaction
    assert (await store.get_member(member.id)).paused_until == T0


async def test_inbound_keys_are_claimed_once_across_processes_and_pruned(two_stores) -> None:  # type: ignore[no-untyped-def]
    _, a, b = two_stores
    claims = await asyncio.gather(*(s.claim_inbound("slack", "trigger:T1", now=T0) for s in (a, b, a, b)))
    assert sorted(claims) == [False, False, False, True]
    assert await a.claim_inbound("discord", "trigger:T1", now=T0)  # keys are per platform
    assert await b.prune_inbound(before=T0 + timedelta(hours=1)) == 2
    assert await a.claim_inbound("slack", "trigger:T1", now=T0 + timedelta(hours=2))


class _InFlight:
    """A connection that notes how many of its statements were sent before the previous answered."""

    def __init__(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.conn, self.now, self.most = conn, 0, 0

    async def execute_fetchall(self, sql, params=()):  # type: ignore[no-untyped-def]
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await self.conn.execute_fetchall(sql, params)
        finally:
            self.now -= 1


async def test_a_cold_snapshot_load_sends_its_reads_in_one_go_on_sqlite(store: SqliteStore) -> None:
    """The version and a cold member's two reads go to aiosqlite's thread together (one wait on
    the loop, not three); where the dialect cannot queue statements, one at a time."""
    from bot.store.postgres.dialect import PostgresDialect
    from bot.store.sqlite.dialect import SQLITE
    from bot.store.sqlite.snapshots import SnapshotCache

    member = await store.ensure_member(MemberRef(platform="slack", space="T1", user_id="U1", display_name="a"), now=T0)
    d = await _delivery(store, member.id)
    await store.record_answer(_answer(d, member.id, 0, True), srs.review)
    async with store.db.reading() as conn:
        queued = _InFlight(conn)
        snaps, _ = await SnapshotCache().load(queued, [member.id], since=T0 - timedelta(days=1), dialect=SQLITE)
        one_by_one = _InFlight(conn)
        alone, _ = await SnapshotCache().load(one_by_one, [member.id], since=T0 - timedelta(days=1),
                                              dialect=PostgresDialect())
    assert (queued.most, one_by_one.most) == (3, 1)
    assert snaps[member.id].answered == alone[member.id].answered == 1 and len(snaps[member.id].cards) == 1


@pytest.mark.sqlite_only("a locked file: another connection holds SQLite's write lock")
async def test_a_claim_past_its_budget_is_busy_and_its_key_still_written(store: SqliteStore, db_path: Path) -> None:
    """Slack's ack cannot wait out a locked file's 5 s: the claim gives up at `within`, and the key
    goes in once the lock is gone, so a retry of that request is still refused."""
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreBusy, match="within 0.2 s"):
            await store.claim_inbound("slack", "trigger:LOCKED", now=T0, within=0.2)
    finally:
        other.execute("ROLLBACK")
        other.close()
    await store._inbound.drain()
    assert await store.claim_inbound("slack", "trigger:LOCKED", now=T0, within=5) is False
