"""Scheduling fixtures: a small pack of our own, a recording Slack, the feature's service."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.cli import main
from bot.clock import FixedClock
from bot.content.loader import load_library
from bot.scheduling.models import Schedule, ScheduleSpec
from bot.scheduling.service import SchedulerService
from tests.drillgen import write_pack
from tests.fakes.recording_adapter import RecordingAdapter

TIERS = {"junior": 2, "middle": 2, "senior": 2}


@pytest.fixture
def pack(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "pack"
    write_pack(folder, TIERS)
    return folder


@pytest.fixture
def library(pack):  # type: ignore[no-untyped-def]
    """Six drills, two per tier, so rotation and 'pack used up' are quick to reach."""
    return load_library([pack])


@pytest.fixture
def cli(tmp_path, monkeypatch, pack, capsys):  # type: ignore[no-untyped-def]
    """Run the CLI on a temp database with our small pack only (no .env from the developer)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAGA_DRILLS_DB", str(tmp_path / "cli.db"))
    monkeypatch.setattr("bot.runtime.pack_folders", lambda settings: [pack])

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def slack() -> RecordingAdapter:
    return RecordingAdapter("slack")


@pytest.fixture
def service(app, slack) -> SchedulerService:  # type: ignore[no-untyped-def]
    app.adapters["slack"] = slack
    return next(s for s in app.services if isinstance(s, SchedulerService))


# Schedules in tests are set well before the days they run (a schedule starts after it is set).
SET_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def add_schedule(service: SchedulerService, *, at: str = "09:30", tz: str = "Europe/Berlin",
                       days: str | None = "mon-fri", window: str | None = None, channel: str = "C1",
                       platform: str = "slack", now: datetime = SET_AT) -> Schedule:
    schedule, _ = await service.ticker.store.upsert_schedule(
        ScheduleSpec.parse(at=at, tz=tz, days=days, window=window), platform=platform, space="T1", channel=channel,
        created_by=None, now=now)
    return schedule


async def tick_at(service: SchedulerService, clock: FixedClock, when: datetime):  # type: ignore[no-untyped-def]
    clock.set(when)
    return await service.tick(when)
