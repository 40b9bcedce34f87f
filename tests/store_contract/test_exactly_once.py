"""Exactly-once across processes, on every backend: outbox leases, first starts, one member's answers, board folds."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta

from bot import srs
from bot.clock import iso
from bot.content.models import Tier
from bot.leaderboard.scoring import IngestRules
from bot.messages import MemberRef
from bot.scheduling.models import OutboxRow
from bot.store import new_id
from bot.store.sqlite.database import latest_version
from tests.conftest import T0
from tests.store_contract.test_core import answer, delivery

RULES = IngestRules(tiers={"d1": Tier.junior}, on_demand_per_day=3)


async def _count(stores, sql: str) -> int:  # type: ignore[no-untyped-def]
    async with stores.core.db.reading() as conn:
        return int((await conn.execute_fetchall(sql))[0][0])


async def test_four_senders_claim_400_rows_and_none_twice(backend) -> None:  # type: ignore[no-untyped-def]
    senders = [await backend.open() for _ in range(4)]
    try:
        for k in range(400):
            post = OutboxRow(id=new_id(), kind="board", delivery_id=None, platform="slack", channel=f"C{k}",
                             not_before=T0, created_at=T0, claim_key=f"board:s{k}:2026-03-02")
            assert await senders[0].schedules.queue_board(post)

        async def drain(n: int) -> list[str]:
            got: list[str] = []
            while rows := await senders[n].schedules.claim_outbox(
                    platforms={"slack"}, owner=f"sender{n}", lease_until=T0 + timedelta(minutes=5), now=T0, limit=7):
                got += [r.id for r in rows]
                await asyncio.sleep(0)
            return got

        claimed = await asyncio.gather(*(drain(n) for n in range(4)))
        every = [i for ids in claimed for i in ids]
        assert len(every) == 400 and len(set(every)) == 400, "a row went to two senders"
    finally:
        for s in senders:
            await s.close()


_OPEN = """
import asyncio, sys
from bot.runtime import open_backend
from bot.settings import Settings
async def main():
    stores = await open_backend(Settings(_env_file=None, SAGA_DRILLS_DB=sys.argv[1]).db)
    await stores.close()
asyncio.run(main())
"""


async def test_three_processes_open_an_empty_database_at_once(backend) -> None:  # type: ignore[no-untyped-def]
    if backend.name == "postgres":  # an empty database, not the migrated template
        from tests.conftest import new_database

        cluster = backend_cluster(backend)
        backend = type(backend)("postgres", await new_database(cluster, migrated=False))
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN, backend.db], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    results = await asyncio.gather(*(asyncio.to_thread(p.communicate, timeout=120) for p in procs))
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err.decode()
    stores = await backend.open()
    try:
        async with stores.core.db.reading() as conn:
            versions = [r[0] for r in await conn.execute_fetchall("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, latest_version() + 1))
    finally:
        await stores.close()


def backend_cluster(backend):  # type: ignore[no-untyped-def]
    """The test cluster a postgres backend's URL points at (the session's one)."""
    from tests import conftest

    return conftest.CLUSTER


async def test_two_workers_answering_for_one_member_lose_no_review(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        member = await a.core.ensure_member(MemberRef(platform="slack", space="T1", user_id="U1"), now=T0)
        total = 0
        for round_ in range(4):
            posts = [await delivery(a.core, member.id) for _ in range(20)]
            at = T0 + timedelta(hours=round_)
            await asyncio.gather(*(
                (a if k % 2 else b).core.record_answer(answer(d, member.id, 0, True, at=at + timedelta(seconds=k)), srs.review)
                for k, d in enumerate(posts)))
            total += len(posts)
        [card] = await b.core.cards_for(member.id)
        assert await a.core.answer_count() == total
        assert card.reviews == total, "two workers reviewed the same card state"
    finally:
        await a.close()
        await b.close()


async def _answers(stores, members: int, posts: int) -> int:  # type: ignore[no-untyped-def]
    """members x posts answers on channel posts, written straight into the tables (fast)."""
    async with stores.core.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (id, platform, space, user_id, display_name, created_at) VALUES (?, 'slack', 'T1', ?, ?, ?)",
            [(f"slack:T1:U{m}", f"U{m}", f"m{m}", iso(T0)) for m in range(members)])
        await conn.executemany(
            "INSERT INTO deliveries (id, drill_id, kind, platform, space, channel, option_order, created_at) "
            "VALUES (?, 'd1', 'channel', 'slack', 'T1', 'C1', '[0, 1, 2, 3]', ?)",
            [(f"p{p}", iso(T0 + timedelta(days=p))) for p in range(posts)])
        await conn.executemany(
            "INSERT INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at) "
            "VALUES (?, ?, ?, 'd1', ?, ?, ?)",
            [(f"a{p}.{m}", f"p{p}", f"slack:T1:U{m}", (m + p) % 4, int((m + p) % 4 == 0),
              iso(T0 + timedelta(days=p, seconds=m))) for p in range(posts) for m in range(members)])
    return members * posts


async def test_two_folders_over_10000_answers_count_each_once(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        total = await _answers(a, 100, 100)
        await asyncio.gather(a.boards.refresh(RULES), b.boards.refresh(RULES), a.boards.refresh(RULES))
        assert await _count(a, "SELECT COUNT(*) FROM board_points") == total
        assert await _count(a, "SELECT SUM(picks) FROM board_option_picks") == total
        assert await _count(a, "SELECT SUM(answered) FROM board_totals WHERE channel = '*'") == total
        assert await b.boards.refresh(RULES) == 0
    finally:
        await a.close()
        await b.close()


async def test_an_answer_that_commits_late_is_still_folded(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        await _answers(a, 2, 1)
        member = "slack:T1:U0"
        late, early = await delivery(a.core), await delivery(a.core)
        async with a.core.db.transaction() as conn:
            # An answer writer's transaction, begun first and committed last: its row is older.
            await a.core.db.dialect.lock_members(conn, [])
            await conn.execute("INSERT INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at) "
                               "VALUES (?, ?, ?, 'd1', 0, 1, ?)", ("late", late.id, member, iso(T0)))
            writing = asyncio.create_task(b.core.record_answer(answer(early, "slack:T1:U1", 0, True), srs.review))
            folding = asyncio.create_task(b.boards.refresh(RULES))
            await asyncio.sleep(0.3)
        await asyncio.gather(writing, folding)
        await a.boards.refresh(RULES)
        assert await _count(a, "SELECT COUNT(*) FROM board_points") == 4, "the late answer was skipped"
    finally:
        await a.close()
        await b.close()
