"""Real processes on one SQLite file: SIGKILL in the middle of a fan-out, and two bots at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.messages import MemberRef
from bot.store.sqlite.schedules import SqliteScheduleStore
from tests.scheduling.conftest import add_schedule

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VIRTUAL_NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # Monday, 11:00 in Berlin
MEMBERS = 200


async def seed(app, service, clock, members: int) -> None:  # type: ignore[no-untyped-def]
    """A channel due now and `members` members, each with one review due now (a miss yesterday)."""
    await add_schedule(service, at="09:30", tz="Europe/Berlin")
    drill = app.library.drills[sorted(app.library.drills)[0]]
    clock.set(VIRTUAL_NOW - timedelta(days=1, hours=1))
    for i in range(members):
        who = MemberRef(platform="slack", space="T1", user_id=f"U{i:03d}", tz="Europe/Berlin")
        row = await app.store.ensure_member(who, now=clock.now())
        card = await app.engine.deal(drill, kind="on_demand", platform="slack", space="T1", member_id=row.id)
        await app.engine.answer(who, card.delivery_id, next(o.letter for o in card.options if "trap" in o.text))


def start_worker(db: Path, pack: Path, out: Path, log: Path, *, offset: float, delay: float = 0.0) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduling.worker", "--db", str(db), "--pack", str(pack), "--out", str(out),
         "--offset", str(offset), "--lease", "1", "--delay", str(delay), "--interval", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )


def lines(path: Path) -> list[dict]:
    """The complete records in `path`: a line still being written (read mid-write, or torn by
    SIGKILL) has no newline yet and does not count."""
    if not path.exists():
        return []
    *complete, _partial = path.read_text().split("\n")
    return [json.loads(line) for line in complete if line.strip()]


def wait_until(predicate, *, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition in a bounded loop (the other process gives us nothing else to await)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def kill_after(worker: subprocess.Popen[bytes], out: Path, count: int, *, timeout: float, what: str) -> int:
    """SIGKILL `worker` once it has sent `count` messages (or exited); how many it had sent."""
    try:
        wait_until(lambda: len(lines(out)) >= count or worker.poll() is not None, timeout=timeout, what=what)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    return len(lines(out))


def finish(proc: subprocess.Popen[bytes], log: Path, *, timeout: float = 60) -> None:
    code = proc.wait(timeout=timeout)
    assert code == 0, f"worker exited with {code}:\n{log.read_text()[-3000:]}"


async def test_sigkill_mid_run_resumes_and_at_most_the_message_in_flight_goes_twice(app, service, clock, pack, db_path, tmp_path) -> None:
    await seed(app, service, clock, MEMBERS)
    out, log = tmp_path / "sent.jsonl", tmp_path / "workers.log"
    offset = (VIRTUAL_NOW - datetime.now(timezone.utc)).total_seconds()

    first = start_worker(db_path, pack, out, log, offset=offset, delay=0.004)
    sent_before_kill = kill_after(first, out, 40, timeout=60, what="the first sends")
    assert first.returncode == -signal.SIGKILL
    assert 40 <= sent_before_kill < MEMBERS + 1, "the kill has to land in the middle of the run"

    second = start_worker(db_path, pack, out, log, offset=offset + 0.0)
    finish(second, log)

    sent = lines(out)
    posts = [s for s in sent if s["kind"] == "channel"]
    dms = Counter(s["user"] for s in sent if s["kind"] == "review")
    assert len(posts) == 1
    assert set(dms) == {f"U{i:03d}" for i in range(MEMBERS)}, "every member got the review"
    twice = [user for user, n in dms.items() if n > 1]
    assert len(twice) <= 1 and max(dms.values()) <= 2, f"more than the one in flight went twice: {twice}"
    assert len({s["pid"] for s in sent}) == 2  # the restarted process really finished the job
    counts = await app.schedules.outbox_counts()
    assert counts == {"sent": MEMBERS + 1}


async def test_two_processes_on_one_database_post_once_and_dm_each_member_once(app, service, clock, pack, db_path, tmp_path) -> None:
    await seed(app, service, clock, 60)
    out, log = tmp_path / "sent.jsonl", tmp_path / "workers.log"
    offset = (VIRTUAL_NOW - datetime.now(timezone.utc)).total_seconds()
    workers = [start_worker(db_path, pack, out, log, offset=offset, delay=0.002) for _ in range(2)]
    for proc in workers:
        finish(proc, log)
    sent = lines(out)
    assert [s["kind"] for s in sent].count("channel") == 1
    dms = Counter(s["user"] for s in sent if s["kind"] == "review")
    assert len(dms) == 60 and set(dms.values()) == {1}
