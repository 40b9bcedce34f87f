"""300 channel schedules due at once: the clock process is SIGKILLed mid-run, a second one takes over, 300 posts."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime, timezone

import pytest

from bot.scheduling.models import ScheduleSpec
from tests.store_contract.conftest import backend_for
from tests.scheduling.conftest import library, pack  # noqa: F401  (fixtures)
from tests.scheduling.test_processes import VIRTUAL_NOW, finish, kill_after, lines, start_worker

pytestmark = pytest.mark.slow
CHANNELS = 300


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    """PostgreSQL: the clock role's database (tests/scheduling/test_processes.py kills a worker on SQLite)."""
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen


async def test_300_channels_post_once_each_across_a_sigkill_and_a_takeover(app, backend, pack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = app.schedules
    for k in range(CHANNELS):
        await store.upsert_schedule(ScheduleSpec.parse(at="09:30", tz="Europe/Berlin", days="mon-fri", window=None),
                                    platform="slack", space="T1", channel=f"C{k:03d}", created_by=None,
                                    now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    out, log = tmp_path / "sent.jsonl", tmp_path / "workers.log"
    offset = (VIRTUAL_NOW - datetime.now(timezone.utc)).total_seconds()
    first = start_worker(backend.db, pack, out, log, offset=offset, delay=0.004)
    before = kill_after(first, out, 60, timeout=90, what="the first posts")
    assert first.returncode == -signal.SIGKILL and 60 <= before < CHANNELS, "the kill lands mid-run"
    second = start_worker(backend.db, pack, out, log, offset=offset)
    finish(second, log, timeout=90)
    posts = Counter(s["channel"] for s in lines(out) if s["kind"] == "channel")
    assert set(posts) == {f"C{k:03d}" for k in range(CHANNELS)}, "every channel got its drill"
    assert sum(n - 1 for n in posts.values()) <= 1, f"more than the one in flight went twice: {posts.most_common(3)}"
