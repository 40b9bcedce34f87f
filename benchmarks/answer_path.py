"""Benchmark: members answering through the engine into a real SQLite file, against raw sqlite3.

Prints answers/s and p50/p99 latency of `Engine.answer` with N members answering concurrently,
then a raw sqlite3 baseline in the same run (one INSERT and COMMIT per answer, WAL,
synchronous=NORMAL) and the ratio engine / raw. Each repetition is a fresh database and both
measurements; the summary is the median over repetitions, because on a shared 2-core machine a
single run swings by a quarter either way.

The engine runs as `saga-drills run` serves: the store and engine open, then
`bot.store.sqlite.tuning.tune_interpreter()` (GIL switch interval, startup objects frozen, young-generation
GC threshold), then the answering. `--default-interpreter` skips that step to show what it is
worth.

    .venv/bin/python benchmarks/answer_path.py [--members 200] [--rounds 10] [--repeat 5]

With `--db postgresql://…` the engine answers into that PostgreSQL database instead (each
repetition under its own platform name, so the runs do not meet), and the baseline is raw
asyncpg: one INSERT per answer in autocommit, into a scratch table it drops afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.content.loader import builtin_pack, load_library  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.messages import DrillCard, MemberRef  # noqa: E402
from bot.store.sqlite.tuning import tune_interpreter  # noqa: E402
from bot.store.sqlite.core import SqliteStore  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def engine_run(path: Path | str, members: int, rounds: int, *, tuned: bool,
                     platform: str = "bench") -> tuple[float, list[float], int, float]:
    """Deal every member `rounds` drills first, then time the answering alone, all members at once."""
    if isinstance(path, str):  # a PostgreSQL URL
        from bot.store.postgres.stores import PostgresStore

        store: SqliteStore = await PostgresStore.open_url(path, shown="the benchmark database")
    else:
        store = await SqliteStore.open(path)
    engine = Engine(store, load_library([builtin_pack()]), rng=random.Random(1))
    if tuned:
        tune_interpreter()
    refs = [MemberRef(platform=platform, space="S", user_id=f"U{i}", display_name=f"m{i}") for i in range(members)]
    dealt: dict[str, list[DrillCard]] = {r.key: [] for r in refs}
    deal_start = time.perf_counter()
    for ref in refs:
        drills = engine.library.active[:rounds]
        for drill in drills:
            dealt[ref.key].append(await engine.deal(drill, kind="on_demand", platform=platform, space="S",
                                                    member_id=(await store.ensure_member(ref, now=engine.clock.now())).id))
    deal_rate = members * rounds / (time.perf_counter() - deal_start)
    latencies: list[float] = []

    async def member(ref: MemberRef, rng: random.Random) -> None:
        for card in dealt[ref.key]:
            start = time.perf_counter()
            reply = await engine.answer(ref, card.delivery_id, rng.choice(card.options).letter)
            latencies.append(time.perf_counter() - start)
            assert reply.kind == "feedback", reply

    start = time.perf_counter()
    await asyncio.gather(*(member(r, random.Random(i)) for i, r in enumerate(refs)))
    elapsed = time.perf_counter() - start
    await store.close()
    return elapsed, latencies, len(latencies), deal_rate


def raw_run(path: Path, count: int) -> tuple[float, list[float]]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE answers (id TEXT PRIMARY KEY, delivery_id TEXT, member_id TEXT, drill_id TEXT, "
                 "option_index INTEGER, correct INTEGER, answered_at TEXT, UNIQUE (delivery_id, member_id))")
    latencies = []
    for i in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (f"a{i}", f"d{i}", f"m{i % 200}", "drill", i % 4, i % 2, "2026-03-02T09:00:00+00:00"))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - start)
    conn.close()
    return sum(latencies), latencies


async def raw_postgres_run(url: str, count: int) -> tuple[float, list[float]]:
    """One INSERT per answer on one asyncpg connection, each its own transaction (autocommit)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_raw_answers")
        await conn.execute("CREATE TABLE bench_raw_answers (id TEXT PRIMARY KEY, delivery_id TEXT, member_id TEXT, "
                           "drill_id TEXT, option_index INTEGER, correct INTEGER, answered_at TEXT, "
                           "UNIQUE (delivery_id, member_id))")
        insert = await conn.prepare("INSERT INTO bench_raw_answers VALUES ($1, $2, $3, $4, $5, $6, $7)")
        latencies = []
        for i in range(count):
            start = time.perf_counter()
            await insert.fetch(f"a{i}", f"d{i}", f"m{i % 200}", "drill", i % 4, i % 2, "2026-03-02T09:00:00+00:00")
            latencies.append(time.perf_counter() - start)
        await conn.execute("DROP TABLE bench_raw_answers")
    finally:
        await conn.close()
    return sum(latencies), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions; the summary is their median")
    parser.add_argument("--default-interpreter", action="store_true", help="skip bot.store.sqlite.tuning.tune_interpreter()")
    parser.add_argument("--db", help="a postgresql:// URL: answer into PostgreSQL, with a raw asyncpg baseline")
    args = parser.parse_args()
    if args.db and not args.db.startswith(("postgresql://", "postgres://")):
        parser.error("--db takes a postgresql:// URL (without it, the benchmark uses a temporary SQLite file)")
    raw_name = "raw asyncpg (INSERT, autocommit)" if args.db else "raw sqlite3 (INSERT+COMMIT each)"
    stamp = int(time.time())
    ms = 1000
    runs = []
    print(f"members={args.members} answering concurrently, {args.rounds} answers each, {args.repeat} repetitions"
          f"{' (default interpreter settings)' if args.default_interpreter else ''}")
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            elapsed, lat, answered, deal_rate = asyncio.run(
                engine_run(args.db or Path(tmp) / "engine.db", args.members, args.rounds, tuned=not args.default_interpreter,
                           platform=f"bench{stamp}r{i}"))
            # Concurrent calls overlap, so throughput is answers over the wall time of the answering.
            engine_rate = answered / elapsed
            raw_total, raw_lat = (asyncio.run(raw_postgres_run(args.db, answered)) if args.db
                                  else raw_run(Path(tmp) / "raw.db", answered))
            raw_rate = answered / raw_total
        run = (engine_rate, pct(lat, .5) * ms, pct(lat, .99) * ms, raw_rate, engine_rate / raw_rate)
        runs.append(run)
        print(f"  #{i + 1}: engine {run[0]:,.0f} answers/s  p50 {run[1]:.2f} ms  p99 {run[2]:.2f} ms  |  "
              f"{raw_name} {run[3]:,.0f} answers/s  p50 {pct(raw_lat, .5) * ms:.3f} ms  |  "
              f"ratio {run[4]:.2f}  (dealing ran at {deal_rate:,.0f} deliveries/s)")
    rate, p50, p99, raw, ratio = (statistics.median(r[k] for r in runs) for k in range(5))
    print(f"median: engine answer path {rate:,.0f} answers/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms")
    print(f"median: {raw_name} {raw:,.0f} answers/s")
    print(f"median ratio engine/raw: {ratio:.2f}  (target >= 0.5; p99 target < 20 ms)")


if __name__ == "__main__":
    main()
