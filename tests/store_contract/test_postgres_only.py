"""What only PostgreSQL can get wrong: a database collation that is not C, and a connection lost while serving."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot import srs
from bot.content.models import Tier
from bot.leaderboard.scope import Scope
from bot.messages import MemberRef
from bot.store import StoreBusy
from tests.conftest import T0, new_database
from tests.store_contract.conftest import Backend
from tests.store_contract.test_core import answer, delivery


async def test_under_a_non_c_collation_the_team_range_scan_and_order_are_bytewise(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    # ICU's English order puts "slack:T1;" (the scan's upper bound) before "slack:T1:U…" and
    # ignores case; every text column is declared COLLATE "C", so neither happens here.
    url = await new_database(pg_cluster, migrated=False, extra="LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
    stores = await Backend("postgres", url).open()
    try:
        store = stores.core
        member = await store.ensure_member(MemberRef(platform="slack", space="T1", user_id="U1"), now=T0)
        d = await delivery(store, member.id)
        await store.record_answer(answer(d, member.id, 0, True), srs.review)
        held = await stores.boards.held_counts([member.id], tiers={Tier.junior: ["d1"]}, now=T0 + timedelta(days=1),
                                               horizon=10.0, scope=Scope(platform="slack", space="T1"))
        assert held == {member.id: {Tier.junior: 1, Tier.middle: 0, Tier.senior: 0}}
        async with store.db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT x FROM (VALUES ('b'), ('B'), ('a')) v(x) ORDER BY x COLLATE \"C\"")
            names = await conn.execute_fetchall("SELECT collation_name FROM information_schema.columns "
                                                "WHERE table_name = 'members' AND column_name = 'id'")
        assert [r[0] for r in rows] == ["B", "a", "b"] and names[0][0] == "C"
    finally:
        await stores.close()


async def test_a_lost_connection_is_busy_once_then_the_pool_reconnects(pg_cluster, pg_url) -> None:  # type: ignore[no-untyped-def]
    stores = await Backend("postgres", pg_url).open()
    try:
        store = stores.core
        member = await store.ensure_member(MemberRef(platform="slack", space="T1", user_id="U1"), now=T0)
        d1, d2 = await delivery(store, member.id), await delivery(store, member.id)
        admin = await asyncpg.connect(pg_cluster.url())
        try:  # the server drops every connection of this database, as a restart or a failover would
            await admin.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = $1 AND pid <> pg_backend_pid()", pg_url.rsplit("/", 1)[1])
        finally:
            await admin.close()
        try:
            await store.record_answer(answer(d1, member.id, 0, True), srs.review)
        except StoreBusy as exc:  # the Bot turns this into the busy notice; nothing was acked
            assert "connection" in str(exc)
        result = await store.record_answer(answer(d2, member.id, 0, True), srs.review)
        assert not result.duplicate
        retried = await store.record_answer(answer(d1, member.id, 0, True), srs.review)  # the member clicks again
        assert await store.answer_count() == 2 and retried.answer.delivery_id == d1.id
    finally:
        await stores.close()


def test_the_dialect_keeps_doubles_and_truncates_days() -> None:
    from bot.store.postgres.migrate import translated

    create = translated(1, "CREATE TABLE t (a REAL, b TEXT NOT NULL);\n")[0].rstrip(";")
    assert create == 'CREATE TABLE t (a DOUBLE PRECISION, b TEXT COLLATE "C" NOT NULL)'
    assert translated(1, "")[-2].startswith("ALTER TABLE answers ADD COLUMN seq")


@pytest.mark.parametrize("status", ["INSERT 0 3", "UPDATE 1", "DELETE 0", "CREATE TABLE"])
def test_row_counts_come_from_the_command_tag(status: str) -> None:
    from bot.store.postgres.connection import _count, numbered

    assert _count(status) == {"INSERT 0 3": 3, "UPDATE 1": 1, "DELETE 0": 0, "CREATE TABLE": 0}[status]
    assert numbered("SELECT ? + ?") == ("SELECT $1 + $2", True)
    assert numbered("UPDATE t SET a = ? WHERE b = ?") == ("UPDATE t SET a = $1 WHERE b = $2", False)


async def test_a_newer_process_adding_a_column_is_busy_once_for_the_older_then_fine(pg_url) -> None:  # type: ignore[no-untyped-def]
    """A rolling deploy: the new version migrates while the old one serves; asyncpg's cached plans
    of `RETURNING *` go stale. The old process says busy once (nothing written), then goes on."""
    from bot.scheduling.models import OutboxRow
    from bot.store import new_id

    stores = await Backend("postgres", pg_url).open()
    try:
        schedules = stores.schedules

        async def claim() -> list:  # type: ignore[type-arg]
            return await schedules.claim_outbox(platforms={"slack"}, owner="old", lease_until=T0 + timedelta(minutes=1),
                                                now=T0, limit=1)

        for k in range(2):
            await schedules.queue_board(OutboxRow(id=new_id(), kind="board", delivery_id=None, platform="slack",
                                                  not_before=T0, created_at=T0, claim_key=f"board:s{k}"))
        assert len(await claim()) == 1
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("ALTER TABLE outbox ADD COLUMN added_by_a_newer_release TEXT")
        finally:
            await admin.close()
        outcomes = []
        for _ in range(POOL_CONNECTIONS_TRIED):
            try:
                outcomes.append(len(await claim()))
            except StoreBusy:
                outcomes.append("busy")
        assert outcomes[-1] == 0 and 1 in outcomes, outcomes  # the second row, once; then nothing left
    finally:
        await stores.close()


POOL_CONNECTIONS_TRIED = 4


async def test_a_lost_connection_while_serving_is_the_busy_notice_and_nothing_acked_is_lost(pg_cluster, pg_url, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.messages import BUSY, CommandContext, DrillCard, Feedback
    from bot.runtime import open_app
    from bot.settings import Settings

    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=pg_url), clock=clock)
    try:
        ana = MemberRef(platform="slack", space="T1", user_id="U-ANA")
        card = await app.router.command(CommandContext(member=ana), "next")
        assert isinstance(card, DrillCard)
        admin = await asyncpg.connect(pg_cluster.url())
        try:  # a failover or a server restart drops every connection while the bot serves
            await admin.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = $1 AND pid <> pg_backend_pid()", pg_url.rsplit("/", 1)[1])
        finally:
            await admin.close()
        first = await app.router.answer(ana, card.delivery_id, "A")
        # The member sees the busy notice (nothing recorded) or, on a fresh connection, the feedback.
        assert first == BUSY or isinstance(first, Feedback), first
        again = await app.router.answer(ana, card.delivery_id, "A")  # they click again: the pool reconnected
        assert isinstance(again, Feedback) and again.duplicate == isinstance(first, Feedback)
        assert await app.store.answer_count() == 1, "recorded once, whichever reply came first"
    finally:
        await app.close()


async def test_a_serving_process_on_postgresql_leaves_the_interpreter_as_it_is(pg_url) -> None:  # type: ignore[no-untyped-def]
    # The switch interval and gc settings serve SQLite's database thread only (bot/store/sqlite/tuning.py).
    import gc
    import sys

    stores = await Backend("postgres", pg_url).open()
    before = (sys.getswitchinterval(), gc.get_threshold(), gc.get_freeze_count())
    try:
        assert stores.core.serving() is None
        assert (sys.getswitchinterval(), gc.get_threshold(), gc.get_freeze_count()) == before
    finally:
        await stores.close()
