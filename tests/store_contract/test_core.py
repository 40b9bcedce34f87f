"""The core Store's contract on every backend: members, deliveries, answers once, snapshots, inbound keys, forget-me."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot import srs
from bot.messages import MemberRef
from bot.store import AnswerRecord, Delivery, StoreError, new_id
from tests.conftest import T0

ALICE = MemberRef(platform="slack", space="T1", user_id="U1", display_name="alice")
BOB = MemberRef(platform="slack", space="T1", user_id="U2", display_name="bob")


async def delivery(store, member_id: str | None = None, *, drill_id: str = "d1") -> Delivery:  # type: ignore[no-untyped-def]
    d = Delivery(id=new_id(), drill_id=drill_id, kind="on_demand", member_id=member_id, platform="slack", space="T1",
                 option_order=(2, 0, 1, 3), created_at=T0)
    await store.create_delivery(d)
    return d


def answer(d: Delivery, member_id: str, option: int, correct: bool, *, at=T0) -> AnswerRecord:  # type: ignore[no-untyped-def]
    return AnswerRecord(delivery_id=d.id, member_id=member_id, drill_id=d.drill_id, option_index=option,
                        correct=correct, answered_at=at)


def transactions_opened(store, monkeypatch) -> Callable[[], int]:  # type: ignore[no-untyped-def]
    """A count of the store's transactions from here on (the real ones, counted on the way in)."""
    opened = 0
    transaction = store.db.transaction

    def counted():  # type: ignore[no-untyped-def]
        nonlocal opened
        opened += 1
        return transaction()

    monkeypatch.setattr(store.db, "transaction", counted)
    return lambda: opened


async def test_members_are_upserted_paused_and_opted_out(stores) -> None:  # type: ignore[no-untyped-def]
    store = stores.core
    row = await store.ensure_member(ALICE, now=T0)
    assert row.id == "slack:T1:U1" and row.display_name == "alice" and not row.opted_out
    again = await store.ensure_member(MemberRef(platform="slack", space="T1", user_id="U1", display_name="", tz="Europe/Berlin"),
                                      now=T0 + timedelta(days=1))
    assert again.display_name == "alice" and again.tz == "Europe/Berlin" and again.created_at == T0
    await store.set_paused(row.id, T0 + timedelta(days=3))
    await store.set_opted_out(row.id, True)
    got = await store.get_member(row.id)
    assert got is not None and got.paused_until == T0 + timedelta(days=3) and got.opted_out
    assert await store.get_member("slack:T1:nobody") is None


async def test_deliveries_round_trip_and_close_once(stores) -> None:  # type: ignore[no-untyped-def]
    store = stores.core
    member = await store.ensure_member(ALICE, now=T0)
    d = await delivery(store, member.id)
    store._deliveries.clear()  # read it back from the database, not this process's cache
    assert await store.get_delivery(d.id) == d
    assert await store.close_delivery(d.id, now=T0) is True
    assert await store.close_delivery(d.id, now=T0) is False
    closed = await store.get_delivery(d.id)
    assert closed is not None and closed.closed_at == T0


async def test_an_answer_counts_once_and_reviews_its_card(stores) -> None:  # type: ignore[no-untyped-def]
    store = stores.core
    member = await store.ensure_member(ALICE, now=T0)
    d = await delivery(store, member.id)
    first = await store.record_answer(answer(d, member.id, 1, True), srs.review)
    repeat = await store.record_answer(answer(d, member.id, 0, False), srs.review)
    assert not first.duplicate and repeat.duplicate and repeat.answer == first.answer
    assert await store.answer_count() == 1
    [card] = await store.cards_for(member.id)
    assert card.reviews == 1 and card.last_correct and card.drill_id == "d1"
    # Stability keeps a double's precision (PostgreSQL's REAL would round it to a float's).
    assert card.stability == first.snapshot.cards["d1"].stability
    assert await store.delivery_tally(d.id) == {1: 1}


async def test_two_answers_at_once_through_two_processes_count_once(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        member = await a.core.ensure_member(ALICE, now=T0)
        d = await delivery(a.core, member.id)
        results = await asyncio.gather(a.core.record_answer(answer(d, member.id, 1, False), srs.review),
                                       b.core.record_answer(answer(d, member.id, 0, True), srs.review))
        assert sorted(r.duplicate for r in results) == [False, True]
        assert results[0].answer == results[1].answer
        assert await a.core.answer_count() == 1
        [card] = await b.core.cards_for(member.id)
        assert card.reviews == 1
    finally:
        await a.close()
        await b.close()


async def test_a_snapshot_sees_what_another_process_wrote(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        member = await a.core.ensure_member(ALICE, now=T0)
        d1, d2, d3 = await delivery(a.core, member.id), await delivery(b.core, member.id, drill_id="d2"), await delivery(a.core, member.id)
        assert (await a.core.record_answer(answer(d1, member.id, 0, True), srs.review)).snapshot.answered == 1
        await b.core.record_answer(answer(d2, member.id, 0, False, at=T0 + timedelta(minutes=1)), srs.review)
        third = await a.core.record_answer(answer(d3, member.id, 0, True, at=T0 + timedelta(minutes=2)), srs.review)
        assert third.snapshot.answered == 3 and third.snapshot.correct == 2
        assert not third.snapshot.cards["d2"].last_correct and third.snapshot.cards["d1"].reviews == 2
        stats = await a.core.member_snapshot(member.id, since=T0 - timedelta(days=1))
        assert stats.answered == 3 and len(stats.recent) == 3
    finally:
        await a.close()
        await b.close()


async def test_forget_member_keeps_counts_anonymously_and_export_reads_answers(stores) -> None:  # type: ignore[no-untyped-def]
    store = stores.core
    alice, bob = await store.ensure_member(ALICE, now=T0), await store.ensure_member(BOB, now=T0)
    d = await delivery(store)  # a channel post both answer
    await store.record_answer(answer(d, alice.id, 1, True), srs.review)
    await store.record_answer(answer(d, bob.id, 2, False, at=T0 + timedelta(seconds=1)), srs.review)
    rows = [r async for r in store.export_answers()]
    assert [(r.member, r.option_index, r.correct, r.option_order) for r in rows] == [
        (alice.id, 1, True, (2, 0, 1, 3)), (bob.id, 2, False, (2, 0, 1, 3))]
    assert await store.forget_member(alice.id) == 1
    assert await store.get_member(alice.id) is None and await store.cards_for(alice.id) == []
    assert await store.answer_count() == 2
    assert await store.delivery_tally(d.id) == {1: 1, 2: 1}


async def test_inbound_keys_are_claimed_once_across_processes_and_pruned(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        claims = await asyncio.gather(*(s.core.claim_inbound("slack", "trigger:T1", now=T0) for s in (a, b, a, b)))
        assert sorted(claims) == [False, False, False, True]
        assert await a.core.claim_inbound("discord", "trigger:T1", now=T0)
        assert await b.core.prune_inbound(before=T0 + timedelta(hours=1)) == 2
        assert await a.core.claim_inbound("slack", "trigger:T1", now=T0 + timedelta(hours=2))
    finally:
        await a.close()
        await b.close()


async def test_a_burst_of_inbound_claims_shares_transactions_and_each_key_wins_once(stores, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Slack claims every click's key before its ack: a burst must not queue one transaction per click."""
    store = stores.core
    opened = transactions_opened(store, monkeypatch)
    keys = [f"trigger:{i}" for i in range(200)]
    first = await asyncio.gather(*(store.claim_inbound("slack", k, now=T0) for k in keys))
    assert first == [True] * 200
    assert opened() <= 3, opened()  # 200 claims, one click each: without group commit this was 200
    # A key claimed twice in one batch, and keys already taken: exactly the first new claim wins.
    again = await asyncio.gather(*(store.claim_inbound("slack", k, now=T0) for k in ["trigger:new", "trigger:new", *keys[:3]]))
    assert again == [True, False, False, False, False]


async def test_a_cancelled_inbound_claim_leaves_its_key_free_and_the_others_answered(stores) -> None:  # type: ignore[no-untyped-def]
    store = stores.core
    claims = [asyncio.ensure_future(store.claim_inbound("slack", f"trigger:c{i}", now=T0)) for i in range(5)]
    await asyncio.sleep(0)  # not a timing sleep: one turn of the loop queues the claims
    claims[1].cancel()
    results = await asyncio.gather(*claims, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert [r for i, r in enumerate(results) if i != 1] == [True] * 4
    # Cancelled before its batch was written (its request dropped): the key stays free for Slack's retry.
    assert await store.claim_inbound("slack", "trigger:c1", now=T0) is True
    assert await store.claim_inbound("slack", "trigger:c2", now=T0) is False


async def test_a_burst_of_new_deliveries_shares_transactions(stores, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A burst of `/drill next` records one delivery each: they must not queue one transaction each."""
    store = stores.core
    alice = await store.ensure_member(ALICE, now=T0)
    opened = transactions_opened(store, monkeypatch)
    made = [Delivery(id=new_id(), drill_id=f"d{i}", kind="on_demand", member_id=alice.id, platform="slack", space="T1",
                     option_order=(i % 4, 0, 1, 2), created_at=T0, closes_at=T0 + timedelta(hours=i)) for i in range(200)]
    await asyncio.gather(*(store.create_delivery(d) for d in made))
    assert opened() <= 3, opened()  # 200 deliveries: without group commit this was 200
    store._deliveries.clear()  # read them back from the database, not from the cache
    for d in (made[0], made[77], made[199]):
        assert await store.get_delivery(d.id) == d


async def test_a_burst_of_first_sights_shares_transactions_and_applies_in_order(stores, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After a start every member's first command writes their row: a burst must not queue one transaction each."""
    store = stores.core
    opened = transactions_opened(store, monkeypatch)
    refs = [MemberRef(platform="slack", space="T1", user_id=f"U{i}", display_name=f"m{i}") for i in range(200)]
    rows = await asyncio.gather(*(store.ensure_member(r, now=T0) for r in refs))
    assert opened() <= 3, opened()  # 200 first sights: without group commit this was 200
    assert [r.id for r in rows] == [r.key for r in refs] and rows[42].display_name == "m42"
    # Two sights of one member in one batch: as if one after the other (a name kept when left
    # empty, a zone kept when left out), and both callers see the row as it ends.
    sights = [MemberRef(platform="slack", space="T1", user_id="U7", display_name="seven", tz="Europe/Paris"),
              MemberRef(platform="slack", space="T1", user_id="U7", display_name="", tz="Europe/Paris"),
              MemberRef(platform="slack", space="T1", user_id="NEW", display_name="", tz="Asia/Tokyo"),
              MemberRef(platform="slack", space="T1", user_id="NEW", display_name="newcomer")]
    got = await asyncio.gather(*(store.ensure_member(r, now=T0 + timedelta(days=1)) for r in sights))
    assert [(g.display_name, g.tz) for g in got] == [("seven", "Europe/Paris")] * 2 + [("newcomer", "Asia/Tokyo")] * 2
    assert got[2].created_at == T0 + timedelta(days=1) and got[0].created_at == T0
    stored = await store.get_member("slack:T1:U7")
    assert (stored.display_name, stored.tz) == ("seven", "Europe/Paris")


async def test_a_delivery_the_database_refuses_fails_alone(stores) -> None:  # type: ignore[no-untyped-def]
    """One row of a batch breaks the foreign key (its member is gone): its caller hears of it, the rest are written."""
    store = stores.core
    alice = await store.ensure_member(ALICE, now=T0)
    good = [Delivery(id=new_id(), drill_id="d1", kind="on_demand", member_id=alice.id, platform="slack", space="T1",
                     option_order=(0, 1, 2, 3), created_at=T0) for _ in range(3)]
    orphan = Delivery(id=new_id(), drill_id="d1", kind="on_demand", member_id="slack:T1:GONE", platform="slack",
                      space="T1", option_order=(0, 1, 2, 3), created_at=T0)
    results = await asyncio.gather(*(store.create_delivery(d) for d in [good[0], orphan, *good[1:]]),
                                   return_exceptions=True)
    assert results[0] is None and results[2:] == [None, None]
    assert isinstance(results[1], Exception)
    store._deliveries.clear()
    assert await store.get_delivery(orphan.id) is None
    assert [await store.get_delivery(d.id) for d in good] == good


async def test_a_newer_schema_is_refused_and_left_untouched(backend, stores) -> None:  # type: ignore[no-untyped-def]
    async with stores.core.db.transaction() as conn:
        await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                           (9999, "future", T0.isoformat()))
    with pytest.raises(StoreError, match="newer than this saga-drills knows.*left untouched"):
        await backend.open()
    async with stores.core.db.reading() as conn:
        rows = await conn.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
    assert rows[0][0] == 9999


async def test_forget_me_while_another_process_records_an_answer_loses_nothing(backend) -> None:  # type: ignore[no-untyped-def]
    a, b = await backend.open(), await backend.open()
    try:
        counted = 0
        for k in range(5):
            ref = MemberRef(platform="slack", space="T1", user_id=f"U{k}")
            member = await a.core.ensure_member(ref, now=T0)
            d1, d2 = await delivery(a.core, member.id), await delivery(a.core, member.id, drill_id="d2")
            await a.core.record_answer(answer(d1, member.id, 0, True), srs.review)
            forgot, answered = await asyncio.gather(
                b.core.forget_member(member.id), a.core.record_answer(answer(d2, member.id, 0, True), srs.review),
                return_exceptions=True)
            # Either order is fine: an answer before the forget moves with the others, one after
            # it finds no member (as on one process). The forget itself never fails.
            assert isinstance(forgot, int), forgot
            counted += 1 + (not isinstance(answered, BaseException))
            assert await a.core.get_member(member.id) is None
        assert await a.core.answer_count() == counted, "every recorded answer kept, under an anonymous member"
        async with a.core.db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT COUNT(*) FROM answers WHERE member_id NOT LIKE 'anonymous:%'")
        assert rows[0][0] == 0
    finally:
        await a.close()
        await b.close()


async def test_a_cold_snapshot_counts_every_answer_and_keeps_only_recent_times(backend) -> None:  # type: ignore[no-untyped-def]
    """Read by a process that never saw the answers: counts over the whole history, times only from `since`."""
    a, b = await backend.open(), await backend.open()
    try:
        member = await a.core.ensure_member(ALICE, now=T0)
        other = await a.core.ensure_member(MemberRef(platform="slack", space="T1", user_id="U2", display_name="bob"), now=T0)
        for days, correct in ((-30, True), (-20, False), (-1, True), (0, False)):
            d = await delivery(a.core, member.id)
            await a.core.record_answer(answer(d, member.id, 0, correct, at=T0 + timedelta(days=days)), srs.review)
        stats = await b.core.member_snapshot(member.id, since=T0 - timedelta(days=7))
        assert (stats.answered, stats.correct) == (4, 2)
        assert stats.recent == (T0 - timedelta(days=1), T0)
        nobody = await b.core.member_snapshot(other.id, since=T0 - timedelta(days=7))
        assert (nobody.answered, nobody.correct, nobody.recent) == (0, 0, ())
    finally:
        await a.close()
        await b.close()
