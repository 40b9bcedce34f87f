"""300 channel schedules due at once: the `--role clock` process is SIGKILLed mid-run, a second one takes over, 300 posts."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.scheduling.models import ScheduleSpec
from tests.fakes.fake_slack import BOT_TOKEN, TEAM_ID
from tests.fakes import slack_payloads as P
from tests.scheduling.test_processes import VIRTUAL_NOW
from tests.slack.conftest import fake_slack  # noqa: F401  (the fixture)
from tests.slack.test_slack_run import drain

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CHANNELS = 300
KILL_AFTER = 60


async def _clock(env: dict[str, str], cwd: Path, offset: float) -> tuple[asyncio.subprocess.Process, list[str], asyncio.Task[None]]:
    """A real `saga-drills run --role clock`, its clock moved to VIRTUAL_NOW (tests/shifted_run.py)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.shifted_run", str(offset), "run", "--role", "clock",
                                                cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    return proc, lines, asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]


async def _posted(fake, channels: int) -> None:  # type: ignore[no-untyped-def]
    """Until every channel has had a post (awaited on the fake's own condition, no polling)."""
    async with fake._cond:
        await fake._cond.wait_for(lambda: len({c.body["channel"] for c in fake.of("chat.postMessage")}) >= channels)


async def test_300_channels_post_once_each_across_a_sigkill_and_a_takeover(backend, fake_slack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stores = await backend.open()
    try:
        for k in range(CHANNELS):
            await stores.schedules.upsert_schedule(
                ScheduleSpec.parse(at="09:30", tz="Europe/Berlin", days="mon-fri", window=None), platform="slack",
                space=TEAM_ID, channel=f"C{k:03d}", created_by=None, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    finally:
        await stores.close()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT),
           "SAGA_DRILLS_DB": backend.db, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET,
           "SLACK_API_URL": fake_slack.base_url, "SAGA_DRILLS_LEASE_SECONDS": "1", "SAGA_DRILLS_SWEEP_SECONDS": "0.2"}
    # Both clocks read the same instant: Monday 11:00 in Berlin, every drill due since 09:30.
    offset = (VIRTUAL_NOW - datetime.now(timezone.utc)).total_seconds()
    # The fake answers KILL_AFTER posts, then keeps the next one waiting: the kill lands mid-send.
    release = fake_slack.hold("chat.postMessage", after=KILL_AFTER)
    first = await _clock(env, tmp_path, offset)
    second = None
    try:
        await fake_slack.wait_for("chat.postMessage", KILL_AFTER + 1, timeout=60)
        first[0].send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first[0].wait(), 20) == -signal.SIGKILL
        release.set()
        second = await _clock(env, tmp_path, offset)
        await asyncio.wait_for(_posted(fake_slack, CHANNELS), 90)
    finally:
        for proc, _, _ in (first, second) if second else (first,):
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
    assert second is not None
    assert await asyncio.wait_for(second[0].wait(), 20) == 0, "".join(second[1])
    for _, _, drainer in (first, second):
        await drainer
    log = "".join(second[1])
    assert "Traceback" not in log and "skipped" not in log, log
    # The second clock sent what the first had not finished, the post held in flight included.
    assert sum(int(n) for n in re.findall(r"\bsent=(\d+)", log)) == CHANNELS - KILL_AFTER, log
    posts = Counter(c.body["channel"] for c in fake_slack.of("chat.postMessage"))
    assert set(posts) == {f"C{k:03d}" for k in range(CHANNELS)}, "every channel got its drill"
    assert sum(n - 1 for n in posts.values()) <= 1, f"more than the one in flight went twice: {posts.most_common(3)}"
    stores = await backend.open()
    try:
        assert await stores.schedules.outbox_counts() == {"sent": CHANNELS}
    finally:
        await stores.close()
