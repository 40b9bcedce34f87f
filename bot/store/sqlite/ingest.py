"""Fold new answers into the board tables, in answer order, a bounded batch per transaction.

The cursor is SQLite's rowid of `answers`: rows are only ever inserted (forget-me updates
member_id, never deletes), so rowids grow in commit order and `rowid > cursor` is exactly
the unseen answers. PostgreSQL uses an identity column, and its dialect's fold horizon keeps
a fold below any answer still committing (see bot/store/postgres/dialect.py). The cursor
moves inside the same transaction as the rows it covers, so two processes never fold twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.clock import parse_iso
from bot.leaderboard.scoring import IngestRules, allowance, score_answer
from bot.store import new_id
from bot.store.sqlite.dialect import SQLITE, Dialect

log = logging.getLogger(__name__)

CURSOR = "answers_rowid"
# Totals carry one extra row per person summed over every channel, so a workspace board reads
# one row per member instead of grouping per-channel rows (no platform uses '*' as a channel id).
ALL_CHANNELS = "*"
# One batch per transaction keeps the write lock short: answers keep flowing during a catch-up.
BATCH = 5000
# SQLite binds at most 32,766 variables per statement; IN lists stay far below that.
CHUNK = 500
# Allowance rows older than this (behind the newest answer folded) can no longer change.
ALLOWANCE_DAYS_KEPT = 3


async def cursor(conn: Any) -> int:
    cur = await conn.execute("SELECT value FROM board_state WHERE name = ?", (CURSOR,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def pending(conn: Any, dialect: Dialect = SQLITE) -> int:
    """About how many answers are not folded in yet (for progress on a first catch-up)."""
    cur = await conn.execute(f"SELECT COALESCE(MAX({dialect.answer_seq}), 0) FROM answers")
    newest = int((await cur.fetchone())[0])
    return max(0, newest - await cursor(conn))


async def people_for(conn: Any, member_ids: Sequence[str]) -> dict[str, str]:
    """The person surrogate of each member, created on first sight."""
    found: dict[str, str] = {}
    for i in range(0, len(member_ids), CHUNK):
        chunk = member_ids[i:i + CHUNK]
        cur = await conn.execute(
            f"SELECT member_id, person FROM board_people WHERE member_id IN ({', '.join('?' * len(chunk))})", chunk)
        found.update({r[0]: r[1] for r in await cur.fetchall()})
    new = [(new_id(), m) for m in member_ids if m not in found]
    if new:
        await conn.executemany("INSERT INTO board_people (person, member_id) VALUES (?, ?)", new)
        found.update({m: p for p, m in new})
    return found


async def ingest_batch(conn: Any, rules: IngestRules, *, limit: int = BATCH, dialect: Dialect = SQLITE) -> int:
    """Fold up to `limit` unseen answers; returns how many (0: the boards are current)."""
    horizon = await dialect.fold_horizon(conn)  # before the cursor is read: it may wait for another folder
    last = await cursor(conn)
    seq = dialect.answer_seq
    below, params = ("", (last, limit)) if horizon is None else (f" AND a.{seq} <= ?", (last, horizon, limit))
    cur = await conn.execute(
        f"""SELECT a.{seq}, a.member_id, a.drill_id, a.option_index, a.correct, a.answered_at,
                  d.kind, d.platform, d.space, COALESCE(d.channel, ''), m.tz
           FROM answers a JOIN deliveries d ON d.id = a.delivery_id JOIN members m ON m.id = a.member_id
           WHERE a.{seq} > ?{below} ORDER BY a.{seq} LIMIT ?""", params)
    rows = await cur.fetchall()
    if not rows:
        return 0
    people = await people_for(conn, sorted({r[1] for r in rows}))

    # Which daily allowance each answer draws from, in the member's own local day.
    keyed: list[tuple[str, str, str] | None] = []
    sizes: list[int] = []
    for r in rows:
        bucket = allowance(r[6], r[2], on_demand_per_day=rules.on_demand_per_day)
        if bucket is None:
            keyed.append(None)
            sizes.append(0)
            continue
        day = parse_iso(r[5]).astimezone(rules.zone(r[10])).date().isoformat()
        keyed.append((people[r[1]], day, bucket[0]))
        sizes.append(bucket[1])
    used = await _allowances_used(conn, {k for k in keyed if k})

    points_rows: list[tuple[Any, ...]] = []
    totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    drill_people: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    picks: dict[tuple[str, str, str, int], int] = defaultdict(int)
    for r, key, size in zip(rows, keyed, sizes):
        _seq, member_id, drill_id, option_index, correct, answered_at, kind, platform, space, channel, _tz = r
        person = people[member_id]
        within = True
        if key is not None:
            within = used.get(key, 0) < size
            used[key] = used.get(key, 0) + 1
        score = score_answer(kind, bool(correct), rules.tiers.get(drill_id), within_allowance=within)
        points_rows.append((person, platform, space, channel, answered_at, drill_id, option_index, int(correct),
                            int(score.counted), score.points, int(score.review_pass)))
        if score.counted:
            for key in ((platform, space, channel, person), (platform, space, ALL_CHANNELS, person)):
                t = totals[key]
                t[0] += score.points
                t[1] += 1
                t[2] += int(correct)
                t[3] += int(score.review_pass)
        dp = drill_people[(platform, space, drill_id, person)]
        dp[0] += 1
        dp[1] += int(correct)
        picks[(platform, space, drill_id, option_index)] += 1

    await conn.executemany(
        """INSERT INTO board_points (person, platform, space, channel, answered_at, drill_id, option_index, correct,
                                     counted, points, review_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        points_rows)
    await conn.executemany(
        """INSERT INTO board_totals (platform, space, channel, person, points, answered, correct, reviews)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (platform, space, channel, person) DO UPDATE SET
             points = board_totals.points + excluded.points, answered = board_totals.answered + excluded.answered,
             correct = board_totals.correct + excluded.correct, reviews = board_totals.reviews + excluded.reviews""",
        [(*k, *v) for k, v in totals.items()])
    await conn.executemany(
        """INSERT INTO board_drill_people (platform, space, drill_id, person, answered, correct) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (platform, space, drill_id, person) DO UPDATE SET
             answered = board_drill_people.answered + excluded.answered,
             correct = board_drill_people.correct + excluded.correct""",
        [(*k, *v) for k, v in drill_people.items()])
    await conn.executemany(
        """INSERT INTO board_option_picks (platform, space, drill_id, option_index, picks) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (platform, space, drill_id, option_index) DO UPDATE SET
             picks = board_option_picks.picks + excluded.picks""",
        [(*k, v) for k, v in picks.items()])
    touched = {k for k in keyed if k}
    if touched:
        await conn.executemany(
            """INSERT INTO board_allowances (person, day, bucket, used) VALUES (?, ?, ?, ?)
               ON CONFLICT (person, day, bucket) DO UPDATE SET used = excluded.used""",
            [(*k, used[k]) for k in touched])
        newest_day = max(k[1] for k in touched)
        cutoff = (parse_iso(rows[-1][5]).date() - timedelta(days=ALLOWANCE_DAYS_KEPT)).isoformat()
        await conn.execute("DELETE FROM board_allowances WHERE day < ? AND day < ?", (cutoff, newest_day))
    await conn.execute(
        "INSERT INTO board_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (CURSOR, str(rows[-1][0])))
    return len(rows)


async def _allowances_used(conn: Any, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    if not keys:
        return {}
    people = sorted({k[0] for k in keys})
    first_day = min(k[1] for k in keys)
    used: dict[tuple[str, str, str], int] = {}
    for i in range(0, len(people), CHUNK):
        chunk = people[i:i + CHUNK]
        cur = await conn.execute(
            f"SELECT person, day, bucket, used FROM board_allowances WHERE person IN ({', '.join('?' * len(chunk))}) AND day >= ?",
            (*chunk, first_day))
        for r in await cur.fetchall():
            key = (r[0], r[1], r[2])
            if key in keys:
                used[key] = int(r[3])
    return used
