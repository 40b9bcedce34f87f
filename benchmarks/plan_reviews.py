"""Benchmark: planning one day's review DMs for 100,000 members holding 1,000,000 review cards.

Seeds a temp SQLite file (schema from the shipped migrations, rows by sqlite3.executemany in one
transaction per table), then times the shipped planner, `ReviewPlanner.plan(...)`: the query
that picks each eligible member's due cards (at most SAGA_DRILLS_REVIEWS_PER_DAY, most overdue
first) and groups them into batches. Worst case on purpose: every member's review time has
come at the same instant (European zones and UTC, review times 08:00-10:30, now 12:00 UTC).
Targets (issue 6): < 1 s, peak RSS < 300 MB.

    .venv/bin/python benchmarks/plan_reviews.py [--members 100000] [--cards 10] [--keep FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import iso  # noqa: E402
from bot.scheduling.reviews import ReviewPlanner  # noqa: E402
from bot.store.sqlite.schedules import SqliteScheduleStore  # noqa: E402
from bot.store.sqlite.database import SqliteDatabase  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
ZONES = ["Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "UTC"]
DRILLS = [f"drill-{i:04d}" for i in range(1000)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def seed(path: Path, members: int, cards: int, rng: random.Random) -> None:
    asyncio.run(_migrate(path))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")  # seeding only; the bot runs with NORMAL
    created = iso(NOW - timedelta(days=90))
    with conn:
        conn.executemany(
            "INSERT INTO schedules (id, platform, space, channel, at_time, tz, days, window_minutes, created_at, updated_at) "
            "VALUES (?, 'slack', 'T1', ?, ?, ?, 'mon,tue,wed,thu,fri', 480, ?, ?)",
            ((f"s{i}", f"C{i}", f"{8 + i % 3:02d}:{(i * 15) % 60:02d}", ZONES[i % len(ZONES)], created, created)
             for i in range(20)))
        conn.executemany(
            "INSERT INTO members (id, platform, space, user_id, display_name, tz, paused_until, created_at) "
            "VALUES (?, 'slack', 'T1', ?, '', ?, ?, ?)",
            ((f"slack:T1:U{i}", f"U{i}", rng.choice(ZONES) if rng.random() < 0.3 else None,
              iso(NOW + timedelta(days=3)) if rng.random() < 0.02 else None, created) for i in range(members)))
        conn.executemany("INSERT INTO member_channels (member_id, schedule_id, updated_at) VALUES (?, ?, ?)",
                         ((f"slack:T1:U{i}", f"s{rng.randrange(20)}", created) for i in range(members) if rng.random() < 0.8))
    with conn:
        def card_rows():  # type: ignore[no-untyped-def]
            for i in range(members):
                for drill in rng.sample(DRILLS, cards):
                    # Due from a week ago to a month ahead: about a fifth of all cards are due now.
                    due = NOW + timedelta(seconds=rng.uniform(-7, 30) * 86400)
                    yield (f"slack:T1:U{i}", drill, 2, None, 3.0, 5.0, iso(due), created, 0, 1, 0)

        conn.executemany(
            "INSERT INTO review_cards (member_id, drill_id, state, step, stability, difficulty, due, last_review, "
            "last_correct, reviews, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", card_rows())
    with conn:  # a tenth of the members already had today's batch
        conn.executemany(
            "INSERT INTO review_batches (id, member_id, local_date, zone, status, cards, expires_at, created_at) "
            "VALUES (?, ?, '2026-03-02', 'UTC', 'ready', 1, ?, ?)",
            ((f"b{i}", f"slack:T1:U{i}", iso(NOW + timedelta(hours=9)), iso(NOW)) for i in range(0, members, 10)))
    conn.close()


async def _migrate(path: Path) -> None:
    db = await SqliteDatabase.open(path)
    await db.close()


async def plan(path: Path, runs: int) -> list[tuple[float, int, int]]:
    db = await SqliteDatabase.open(path)
    try:
        planner = ReviewPlanner(SqliteScheduleStore(db), per_day=3, default_tz="UTC")
        out = []
        for _ in range(runs):
            start = time.perf_counter()
            plans = await planner.plan(NOW, platforms={"slack"}, active=DRILLS)
            out.append((time.perf_counter() - start, sum(len(p.cards) for p in plans), len(plans)))
            del plans
        return out
    finally:
        await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=10, help="review cards per member")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the seeded database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "plan.db"
        start = time.perf_counter()
        seed(path, args.members, args.cards, random.Random(6))
        print(f"seeded {args.members:,} members, {args.members * args.cards:,} review cards in "
              f"{time.perf_counter() - start:.1f} s ({path.stat().st_size / 2**20:.0f} MB file)")
        rss_after_seed = peak_rss_mb()
        results = asyncio.run(plan(path, args.runs))
    for i, (seconds, rows, members) in enumerate(results, 1):
        print(f"run {i}: planned {rows:,} review DMs for {members:,} members in {seconds:.3f} s")
    best = min(r[0] for r in results)
    rss = peak_rss_mb()
    print(f"planning: best {best:.3f} s, first {results[0][0]:.3f} s (target < 1 s)")
    print(f"peak RSS: {rss:.0f} MB (after seeding {rss_after_seed:.0f} MB; target < 300 MB)")
    return 0 if results[0][0] < 1.0 and rss < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
