"""Benchmark: leaderboards and the blind-spot report over a million answers from 10,000 members.

Seeds a temp SQLite file with sqlite3.executemany (one transaction per table), in two parts:
the first three quarters of a year, then a season starts, then the last quarter. Prints the
one-time catch-up (folding answers into the board tables), then the shipped query functions:
`Leaderboards.board(...)` per period without and with the PNG, and `Leaderboards.report(...)`.
Targets (issue 7): a board < 100 ms, the report < 500 ms.

    .venv/bin/python benchmarks/leaderboard_bench.py [--answers 1000000] [--members 10000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FixedClock, iso  # noqa: E402
from bot.content.loader import builtin_pack, load_library  # noqa: E402
from bot.leaderboard.service import Leaderboards  # noqa: E402
from bot.leaderboard.scope import Scope  # noqa: E402
from bot.runtime import open_app  # noqa: E402
from bot.settings import Settings  # noqa: E402

END = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DAYS = 365
PLATFORM, SPACE, CHANNELS = "slack", "T0BENCH", ("C-DAILY", "C-PLATFORM")


def seed(path: Path, *, answers: int, members: int, library, rng: random.Random, part: tuple[float, float],
         start_seq: int) -> int:
    """Insert answers whose days fall in the `part` fraction of the year; returns the next sequence number."""
    drills = sorted(library.drills.values(), key=lambda d: d.id)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    first_day, last_day = int(DAYS * part[0]), int(DAYS * part[1])
    begin = END - timedelta(days=DAYS)
    share = answers * (part[1] - part[0])
    ids = [f"{PLATFORM}:{SPACE}:U{i:05d}" for i in range(members)]
    if part[0] == 0:
        conn.executemany(
            "INSERT INTO members (id, platform, space, user_id, display_name, tz, opted_out, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(m, PLATFORM, SPACE, m.rsplit(":", 1)[1], f"member {i}", "America/Los_Angeles" if i % 3 == 0 else None,
              int(i % 50 == 0), iso(begin)) for i, m in enumerate(ids)])
    skill = [0.35 + 0.6 * ((i * 7919) % members) / members for i in range(members)]
    deliveries, rows = [], []
    seq = start_seq
    channel_answers = int(share * 0.6)
    channel_days = [(day, ch) for day in range(first_day, last_day) for ch in CHANNELS]
    per_channel_day = max(1, channel_answers // max(1, len(channel_days)))
    for day, ch in channel_days:
        drill = drills[(day * 7 + len(ch)) % len(drills)]
        did = f"d{seq:09d}"
        seq += 1
        at = begin + timedelta(days=day, hours=9)
        deliveries.append((did, drill.id, "channel", None, PLATFORM, SPACE, ch, json.dumps(list(range(len(drill.options)))), iso(at)))
        for m in rng.sample(range(members), min(members, per_channel_day)):
            ok = rng.random() < skill[m]
            option = drill.best_index if ok else rng.choice([i for i, o in enumerate(drill.options) if not o.best])
            rows.append((f"a{seq:09d}", did, ids[m], drill.id, option, int(ok), iso(at + timedelta(seconds=rng.randrange(1, 28_000)))))
            seq += 1
    personal = int(share) - len(rows)
    for _ in range(personal):
        m = rng.randrange(members)
        drill = rng.choice(drills)
        did = f"d{seq:09d}"
        seq += 1
        at = begin + timedelta(days=rng.randrange(first_day, last_day), seconds=rng.randrange(86_400))
        kind = "review" if rng.random() < 0.6 else "on_demand"
        deliveries.append((did, drill.id, kind, ids[m], PLATFORM, SPACE, None, json.dumps(list(range(len(drill.options)))), iso(at)))
        ok = rng.random() < skill[m]
        option = drill.best_index if ok else rng.choice([i for i, o in enumerate(drill.options) if not o.best])
        rows.append((f"a{seq:09d}", did, ids[m], drill.id, option, int(ok), iso(at + timedelta(seconds=20))))
        seq += 1
    rows.sort(key=lambda r: r[6])  # answers arrive in time order, as they would live
    with conn:
        conn.executemany("INSERT INTO deliveries (id, drill_id, kind, member_id, platform, space, channel, option_order, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", deliveries)
        conn.executemany("INSERT INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    if part[1] == 1:
        cards = []
        for i, m in enumerate(ids):
            for drill in rng.sample(drills, 25):
                ok = rng.random() < skill[i]
                last = END - timedelta(days=rng.randrange(0, 40))
                cards.append((m, drill.id, 2, None, rng.uniform(2, 60), 5.0, iso(last + timedelta(days=10)), iso(last), int(ok), 3, 0))
        with conn:
            conn.executemany("INSERT INTO review_cards (member_id, drill_id, state, step, stability, difficulty, due, last_review,"
                             " last_correct, reviews, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cards)
    conn.close()
    return seq


async def timed(label: str, fn, *, runs: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t) * 1000)
    med = statistics.median(times)
    print(f"  {label:<52} median {med:7.1f} ms   min {min(times):7.1f} ms")
    return med


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the seeded database at this path")
    args = parser.parse_args()
    library = load_library([builtin_pack()])
    rng = random.Random(7)
    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "bench.db"
    path.unlink(missing_ok=True)
    season_at = END - timedelta(days=DAYS // 4)
    clock = FixedClock(season_at)
    settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(path), SAGA_DRILLS_TZ="Europe/Berlin")
    app = await open_app(settings, clock=clock, library=library)  # creates the schema
    try:
        t = time.perf_counter()
        seq = seed(path, answers=args.answers, members=args.members, library=library, rng=rng, part=(0, 0.75), start_seq=0)
        print(f"seeded {seq:,} rows (first 3 quarters) in {time.perf_counter() - t:.1f} s")
        boards = Leaderboards(app)
        t = time.perf_counter()
        folded = await boards.refresh()
        first = time.perf_counter() - t
        await boards.start_season(PLATFORM, SPACE, "Q1 2026", by=None)
        t = time.perf_counter()
        seq = seed(path, answers=args.answers, members=args.members, library=library, rng=rng, part=(0.75, 1), start_seq=seq)
        print(f"seeded the last quarter in {time.perf_counter() - t:.1f} s")
        clock.set(END + timedelta(days=3))
        t = time.perf_counter()
        folded += await boards.refresh()
        catch_up = first + time.perf_counter() - t
        print(f"catch-up: folded {folded:,} answers into the board tables in {catch_up:.1f} s "
              f"({folded / catch_up:,.0f} answers/s; once, at upgrade or first start)")

        scope = Scope(PLATFORM, SPACE)
        print(f"\nboards over {folded:,} answers, {args.members:,} members (median of 7; includes the no-op refresh):")
        results = {}
        for period in ("week", "month", "season", "all"):
            results[period] = await timed(f"leaderboard {period} (table)", lambda p=period: boards.board(scope, p, image=False))
        await timed("leaderboard week, one channel (table)", lambda: boards.board(Scope(PLATFORM, SPACE, CHANNELS[0]), "week", image=False))
        await timed("leaderboard all, one channel (table)", lambda: boards.board(Scope(PLATFORM, SPACE, CHANNELS[0]), "all", image=False))
        await timed("leaderboard week + PNG (altitude of every ranked member)", lambda: boards.board(scope, "week"), runs=3)
        await timed("leaderboard all + PNG", lambda: boards.board(scope, "all"), runs=3)

        print("\nblind-spot report:")
        rep = {}
        for period in ("month", "all"):
            rep[period] = await timed(f"report {period} (table)", lambda p=period: boards.report(PLATFORM, SPACE, p, image=False))
        await timed("report all + PNG", lambda: boards.report(PLATFORM, SPACE, "all"), runs=3)

        conn = sqlite3.connect(path)
        dids = [r[0] for r in conn.execute("SELECT id FROM deliveries WHERE kind = 'channel' ORDER BY id LIMIT 1000")]
        new = [(f"late{i}", dids[i % len(dids)], f"{PLATFORM}:{SPACE}:U{i % args.members:05d}",
                library.active[i % len(library.active)].id, 0, 1, iso(END + timedelta(days=2, seconds=i))) for i in range(1000)]
        with conn:
            conn.executemany("INSERT OR IGNORE INTO answers (id, delivery_id, member_id, drill_id, option_index, correct, answered_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)", new)
        conn.close()
        t = time.perf_counter()
        await boards.board(scope, "week", image=False)
        print(f"\n  leaderboard week right after 1,000 new answers        {(time.perf_counter() - t) * 1000:7.1f} ms (folds them first)")
        worst_board = max(results.values())
        print(f"\ntarget: board < 100 ms -> worst period {worst_board:.1f} ms {'OK' if worst_board < 100 else 'MISSED'}; "
              f"report < 500 ms -> {max(rep.values()):.1f} ms {'OK' if max(rep.values()) < 500 else 'MISSED'}")
    finally:
        await app.close()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
