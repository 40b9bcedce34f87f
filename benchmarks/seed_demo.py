"""Seed a demo database through the real engine: six weeks of a 24-person team, two seasons, privacy cases.

Every answer goes through `Engine.deal`/`Engine.next_drill` and `Engine.answer` on a fixed clock
that walks from six weeks ago to now, so boards, seasons and the report show real data:

    .venv/bin/python benchmarks/seed_demo.py demo.db
    SAGA_DRILLS_DB=demo.db saga-drills leaderboard --png board.png
    SAGA_DRILLS_DB=demo.db saga-drills leaderboard --period season --png season.png
    SAGA_DRILLS_DB=demo.db saga-drills report --png report.png
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FixedClock  # noqa: E402
from bot.commands import CommandContext  # noqa: E402
from bot.content.models import Drill  # noqa: E402
from bot.leaderboard.service import Leaderboards  # noqa: E402
from bot.messages import DrillCard, MemberRef  # noqa: E402
from bot.app import App  # noqa: E402
from bot.runtime import open_app  # noqa: E402
from bot.settings import Settings  # noqa: E402

PLATFORM, SPACE, CHANNEL = "slack", "T0DEMO", "C0SAGAS"
NAMES = ["ana", "bo", "chen", "dara", "eli", "farah", "gus", "hana", "ivo", "jun", "kemal", "lena", "mo", "nadia",
         "oskar", "priya", "quinn", "rosa", "sami", "tomas", "uma", "vik", "wen", "yara"]
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", None]


def choose(drill: Drill, skill: float, rng: random.Random) -> int:
    """Right with a chance that falls with the tier; when wrong, the first trap tempts three times as much."""
    if rng.random() < max(0.15, skill - 0.12 * drill.tier.rank):
        return drill.best_index
    wrong = [i for i, o in enumerate(drill.options) if not o.best]
    return rng.choices(wrong, weights=[3] + [1] * (len(wrong) - 1))[0]


async def answer(app: App, member: MemberRef, card: DrillCard, skill: float, rng: random.Random) -> None:
    drill = app.library.drills[card.drill_id]
    delivery = await app.store.get_delivery(card.delivery_id)
    original = choose(drill, skill, rng)
    letter = "ABCDE"[delivery.option_order.index(original)]
    await app.engine.answer(member, card.delivery_id, letter)


async def seed(path: Path, *, days: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    clock = FixedClock(end - timedelta(days=days))
    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=str(path)), clock=clock)
    app.engine.rng = random.Random(seed_value)
    boards = Leaderboards(app)
    members = [MemberRef(platform=PLATFORM, space=SPACE, user_id=f"U{i:03d}", display_name=name, tz=ZONES[i % len(ZONES)])
               for i, name in enumerate(NAMES)]
    skill = {m.key: 0.35 + 0.6 * rng.random() for m in members}
    eagerness = {m.key: rng.random() for m in members}
    answers = 0
    try:
        await boards.start_season(PLATFORM, SPACE, "Winter", by=None)
        for day in range(days):
            start_of_day = end - timedelta(days=days - day)
            if day == days // 2:
                clock.set(start_of_day)
                await boards.end_season(PLATFORM, SPACE, by=None)
                await boards.start_season(PLATFORM, SPACE, "Spring", by=None)
            weekday = start_of_day.weekday() < 5
            if weekday:  # the channel's daily drill, answered through the morning
                clock.set(start_of_day + timedelta(hours=9))
                drill = app.library.active[(day * 7) % len(app.library.active)]
                card = await app.engine.deal(drill, kind="channel", platform=PLATFORM, space=SPACE, channel=CHANNEL,
                                             closes_at=start_of_day + timedelta(hours=17))
                for member in rng.sample(members, k=int(len(members) * 0.7)):
                    clock.set(start_of_day + timedelta(hours=9, minutes=rng.randrange(5, 420)))
                    await answer(app, member, card, skill[member.key], rng)
                    answers += 1
            for member in members:  # on-demand drills and due reviews, more for the eager
                for _ in range(rng.choices([0, 1, 2, 4], weights=[4, 3, 2, eagerness[member.key] * 3])[0]):
                    clock.set(start_of_day + timedelta(hours=rng.randrange(7, 22), minutes=rng.randrange(60)))
                    card = await app.engine.next_drill(member)
                    if isinstance(card, DrillCard):
                        await answer(app, member, card, skill[member.key], rng)
                        answers += 1
        clock.set(end)
        # Privacy cases through the real commands: one member opts out, one asks to be forgotten.
        await app.router.handle(CommandContext(member=members[5], channel=CHANNEL), "optout")
        await app.router.handle(CommandContext(member=members[9], channel=CHANNEL), "forget-me confirm")
        await boards.refresh()
    finally:
        await app.close()
    print(f"seeded {answers} answers from {len(members)} members over {days} days into {path}")
    print(f"{members[5].display_name} opted out (hidden from boards); {members[9].display_name} was forgotten "
          "(their answers stay in team figures, anonymously). Seasons: Winter (ended), Spring (open).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=Path("demo.db"))
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args()
    if args.path.exists():
        if not args.force:
            print(f"{args.path} exists; pass --force to replace it", file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    asyncio.run(seed(args.path, days=args.days, seed_value=args.seed))
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
