"""SchedulerService: APScheduler jobs rebuilt from SQLite at start, re-synced, and a clean stop."""

from __future__ import annotations

import asyncio
import logging

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.scheduling.service import MISFIRE_GRACE_SECONDS, SWEEP_JOB
from tests.scheduling.conftest import add_schedule


async def test_jobs_are_rebuilt_from_sqlite_at_start_and_follow_changes(app, service, slack) -> None:
    berlin = await add_schedule(service, at="09:30", tz="Europe/Berlin", days="mon-fri", channel="C1")
    ny = await add_schedule(service, at="07:05", tz="America/New_York", days="daily", channel="C2")
    await add_schedule(service, platform="discord", channel="D1")  # no Discord adapter in this process
    await service.start(app)
    try:
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        assert set(jobs) == {SWEEP_JOB, f"daily:{berlin.id}", f"daily:{ny.id}"}
        trigger = jobs[f"daily:{berlin.id}"].trigger
        assert trigger.timezone == ZoneInfo("Europe/Berlin")
        fields = {f.name: str(f) for f in trigger.fields}
        assert (fields["hour"], fields["minute"], fields["day_of_week"]) == ("9", "30", "mon,tue,wed,thu,fri")
        nxt = jobs[f"daily:{berlin.id}"].next_run_time.astimezone(ZoneInfo("Europe/Berlin"))
        assert (nxt.hour, nxt.minute) == (9, 30) and nxt.weekday() < 5
        for job in jobs.values():
            assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == MISFIRE_GRACE_SECONDS

        # The first sweep runs at start: Monday 10:00 Berlin on the fixed clock, so C1 catches up.
        [post] = await slack.wait_for("channel")
        assert post.target.channel == "C1"

        await service.ticker.store.remove_schedule(ny.id)
        await add_schedule(service, at="10:15", tz="Europe/Berlin", days="mon-fri", channel="C1")
        await service.sync_jobs()
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        assert set(jobs) == {SWEEP_JOB, f"daily:{berlin.id}"}
        assert {f.name: str(f) for f in jobs[f"daily:{berlin.id}"].trigger.fields}["minute"] == "15"
    finally:
        await service.stop()
        await service.stop()  # twice is fine
    assert service.scheduler is None


async def test_stop_hands_back_claims_so_a_restart_does_not_wait_for_the_lease(app, service, clock, caplog) -> None:
    schedule = await add_schedule(service)
    now = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    clock.set(now)
    await service.ticker.runs.start_due([schedule], now)
    held = await service.ticker.store.claim_outbox(platforms={"slack"}, owner=service.ticker.owner,
                                                   lease_until=now.replace(hour=9), now=now, limit=5)
    assert len(held) == 1
    with caplog.at_level(logging.INFO, logger="bot.scheduling.tick"):
        await service.stop()
    assert ("scheduler stopped: handed back 0 daily run(s), 0 review batch(es) and 1 unsent message(s)"
            in caplog.text), caplog.text
    again = await service.ticker.store.claim_outbox(platforms={"slack"}, owner="next", lease_until=now.replace(hour=9),
                                                    now=now, limit=5)
    assert [r.id for r in again] == [held[0].id]
    assert (await service.tick(now)).runs_started == 0  # a stopped ticker does nothing


async def test_stop_lets_a_wake_finish_syncing_jobs_instead_of_cancelling_it(app, service, caplog) -> None:
    """A wake between its tick and its job sync when SIGTERM comes: APScheduler's shutdown would cancel
    it inside a read and log a failed job with a traceback; stop waits for it instead."""
    entered, release, synced = asyncio.Event(), asyncio.Event(), []
    sync = service.sync_jobs

    async def held_sync() -> None:
        entered.set()
        await release.wait()
        await sync()
        synced.append(True)

    with caplog.at_level(logging.INFO):
        await service.start(app)  # start syncs the jobs itself; hold only a wake's sync
        service.sync_jobs = held_sync  # type: ignore[method-assign]
        service.scheduler.get_job(SWEEP_JOB).modify(next_run_time=datetime.now(timezone.utc))
        await asyncio.wait_for(entered.wait(), 10)
        stopping = asyncio.create_task(service.stop())
        # The ticker logs this as it hands back its claims; stop goes on to APScheduler's shutdown
        # in the same step, without a turn of the loop, so from here a cancel would be requested.
        await asyncio.wait_for(_logged(caplog, "scheduler stopped: handed back"), 10)
        release.set()
        await asyncio.wait_for(stopping, 10)
    assert synced == [True]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert service.scheduler is None


async def _logged(caplog, text: str) -> None:  # type: ignore[no-untyped-def]
    while text not in caplog.text:
        await asyncio.sleep(0)
