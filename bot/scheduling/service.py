"""SchedulerService: the APScheduler 3 clock around Ticker.tick; the database stays the source of truth.

Jobs are rebuilt from the schedules table at start and re-synced after every tick, so a
schedule set by the CLI or another process is picked up within one sweep
(SAGA_DRILLS_SWEEP_SECONDS, a minute by default). A cron job per schedule wakes the bot
on the minute; the sweep job every `interval` seconds catches up
after downtime, posts reveals and review DMs, and resumes what a crashed process left.
Both only call tick(); whether anything is due is decided from the database, never here.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from bot.ports import Check, InFlight
from bot.scheduling.models import DAY_NAMES, Schedule
from bot.scheduling.tick import TickReport, Ticker

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SWEEP_JOB = "scheduling-sweep"
# A wake-up delayed by a busy event loop still runs if it is at most this late; a missed
# one is harmless anyway because the sweep re-checks the database.
MISFIRE_GRACE_SECONDS = 30
# /readyz turns red after this many sweeps in a row did not finish (a hung tick, a dead job).
STALLED_SWEEPS = 3
# How long stop waits for a wake that is past its tick (syncing jobs: one read of the schedules).
STOP_WAIT_SECONDS = 5.0


class SchedulerService:
    """Started by `saga-drills run` after the adapters connect (see bot.runtime.FEATURES)."""

    # Runs only in processes of the `all` and `clock` roles (bot/roles.py).
    clock = True

    def __init__(self, app: App, *, ticker: Ticker | None = None, interval: float | None = None) -> None:
        self.app = app
        self.ticker = ticker or Ticker(app)
        self.interval = app.settings.sweep_seconds if interval is None else interval
        self.scheduler: Any = None
        self._jobs: dict[str, tuple[Any, ...]] = {}
        self._started_at: datetime | None = None
        # A wake past its tick may still be syncing the jobs; stop lets it end (see stop).
        self._waking = InFlight("scheduler wake(s) still syncing jobs")

    async def tick(self, now: datetime | None = None) -> TickReport:
        return await self.ticker.tick(now)

    async def start(self, app: App | None = None) -> None:
        # Imported here so that `saga-drills --help` and one-shot CLI commands stay fast.
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        # APScheduler logs every job run at INFO: a line a minute for weeks. Keep it for -v only.
        aps = logging.getLogger("apscheduler")
        if aps.level == logging.NOTSET and logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            aps.setLevel(logging.WARNING)
        # A sweep due while the last one still sends is skipped by design (max_instances=1: the
        # running tick already covers it); APScheduler warns about each one, which reads as a fault.
        logging.getLogger("apscheduler.scheduler").addFilter(OVERLAP_SKIPPED)  # one instance: added once
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
        # The first sweep runs at once: catch-up and crash recovery do not wait a minute.
        self.scheduler.add_job(self._wake, "interval", seconds=self.interval, id=SWEEP_JOB,
                               name="scheduling sweep", next_run_time=datetime.now(timezone.utc))
        await self.sync_jobs()
        self.scheduler.start()
        self._started_at = self.app.engine.clock.now()
        log.info("scheduler started: %d schedule(s), sweep every %g s, lease %s",
                 len(self._jobs), self.interval, self.ticker.lease)

    def seconds_since_tick(self) -> float | None:
        """Seconds since the last tick ended (since start before the first); None when not running."""
        if self.scheduler is None:
            return None
        since = self.ticker.finished_at or self._started_at
        return max(0.0, (self.app.engine.clock.now() - since).total_seconds()) if since else 0.0

    async def readiness(self) -> Check:
        """Running, and ticked recently: a sweep every `interval` s, so three missed sweeps is stuck."""
        lag = self.seconds_since_tick()
        if lag is None:
            return Check(name="scheduler", ok=False, detail="not running")
        if lag > STALLED_SWEEPS * self.interval + MISFIRE_GRACE_SECONDS:
            return Check(name="scheduler", ok=False, detail=f"no tick for {lag:.0f} s")
        return Check(name="scheduler", ok=True)

    async def sync_jobs(self) -> None:
        """Make the cron wake-ups match the schedules table (added, changed, removed)."""
        if self.scheduler is None:
            return
        from apscheduler.triggers.cron import CronTrigger

        served = set(self.app.adapters)
        wanted = {f"daily:{s.id}": s for s in await self.ticker.store.schedules() if s.platform in served}
        for job_id in [j for j in self._jobs if j not in wanted]:
            with contextlib.suppress(Exception):
                self.scheduler.remove_job(job_id)
            del self._jobs[job_id]
        for job_id, schedule in wanted.items():
            # The weekly board posts at the same time of day, also on a day without a drill.
            days = tuple(sorted({*schedule.days, *([] if schedule.board_day is None else [schedule.board_day])}))
            key = (schedule.at, schedule.tz, days)
            if self._jobs.get(job_id) == key:
                continue
            trigger = CronTrigger(hour=schedule.at.hour, minute=schedule.at.minute,
                                  day_of_week=",".join(DAY_NAMES[d] for d in days), timezone=schedule.zone)
            self.scheduler.add_job(self._wake, trigger, id=job_id, name=_job_name(schedule), replace_existing=True)
            self._jobs[job_id] = key

    async def _wake(self) -> None:
        """What every job runs. Errors are logged, never raised into APScheduler: the next wake retries."""
        if self.ticker.stopping.is_set():
            return
        self._waking.track()
        try:
            await self.ticker.tick()
            await self.sync_jobs()
        except Exception:
            log.exception("scheduler tick failed; the next one carries on from the database")

    async def stop(self) -> None:
        """Let the message in flight finish and hand back claims, then stop waking. Safe twice.

        The ticker goes first: APScheduler's shutdown cancels running jobs, and a tick cancelled
        inside a database call could leave its transaction open.
        """
        await self.ticker.stop()
        # A wake past its tick may still be syncing the jobs (a read). APScheduler's shutdown would
        # cancel it there and log the cancellation as a failed job, traceback and all: let it end.
        await self._waking.settle(STOP_WAIT_SECONDS)
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                self.scheduler.shutdown(wait=False)
            self.scheduler = None


class _OverlapSkipped(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached" lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


OVERLAP_SKIPPED = _OverlapSkipped()


def _job_name(schedule: Schedule) -> str:
    return f"daily drill {schedule.platform}:{schedule.channel} at {schedule.at:%H:%M} {schedule.tz}"
