"""Benchmark: a burst of answer clicks through the real `saga-drills run --adapter discord` against a no-op discord.py client.

Both run as their own process against the tests' fake Discord (tests/fakes/fake_discord.py: the
gateway and REST API on 127.0.0.1, nothing leaves the machine). N members each run `/drill next`
and get a card; then all N click an answer at once, through the gateway. A click counts when its
private reply (the edit of the deferred original) reaches the fake's REST API. The floor
(benchmarks/discord_floor.py) answers the same way with the same REST calls and no work.

Runs alternate bot / floor, each on a fresh fake and a fresh database; the summary is the median,
because other work on a shared 2-core machine moves a single run by a fifth either way.

    .venv/bin/python benchmarks/discord_path.py [--members 200] [--rounds 5] [--profile FILE | --tasks DIR | --calls DIR]

--profile FILE runs one bot burst under cProfile (benchmarks/profiled.py) and prints its top entries.
--tasks DIR times the event loop's tasks in one bot and one floor burst instead and prints both
(benchmarks/profiled.py --tasks): where each spends its CPU per click, with far less distortion than cProfile.
--calls DIR counts function calls per click in one bot and one floor burst, by package: it moves a
few percent between runs, where rates and CPU times move a third, so it shows a change in the work
per click that a rate cannot.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.burst import PYTHON, ROOT, Burst, Server, base_env, check_recorded, collect, main, serving  # noqa: E402
from tests.discord.steps import text_of  # noqa: E402
from tests.fakes import discord_payloads as D  # noqa: E402
from tests.fakes.fake_discord import Call, FakeDiscord  # noqa: E402

TOKEN = "fake.bot.token"
FIRST_MEMBER = 1_400_000_000_000_000_000
_ORIGINAL = re.compile(rf"/webhooks/{D.APP_ID}/([^/]+)/messages/@original")


class TimedDiscord(FakeDiscord):
    """The fake, noting when each interaction's reply (the edit of its original) arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, asyncio.Future[tuple[float, Call]]] = {}

    def expect(self, token: str) -> asyncio.Future[tuple[float, Call]]:
        future = self.replies[token] = asyncio.get_running_loop().create_future()
        return future

    def _answer(self, call: Call) -> Any:
        response = super()._answer(call)
        if call.method == "PATCH" and (hit := _ORIGINAL.fullmatch(call.path)):
            future = self.replies.get(hit[1])
            if future is not None and not future.done():
                future.set_result((time.perf_counter(), call))
        return response


async def burst(kind: str, members: int, *, profile: Path | None = None, seed: int = 1) -> Burst:
    fake = await TimedDiscord().start()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        env = base_env(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE_URL=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url,
                       SAGA_DRILLS_DB=str(db))
        argv = ([PYTHON, "-m", "bot", "run", "--adapter", "discord"] if kind == "bot"
                else [PYTHON, str(ROOT / "benchmarks" / "discord_floor.py")])
        server = Server(argv, env=env, cwd=Path(tmp), profile=profile)
        async with serving(server, fake, name=kind):
            await fake.wait_identified(timeout=120)
            await asyncio.sleep(2.5)  # discord.py waits 2 s for more GUILD_CREATEs; the process settles
            cards = await deal(fake, members)
            result, replies = await click(fake, cards, random.Random(seed), server)
        if kind == "bot":
            wrong = [c.json for c in replies if "**You chose" not in text_of(c.json or {})]
            if wrong:
                raise SystemExit(f"{len(wrong)} clicks got no feedback, e.g. {str(wrong[0])[:300]}")
            check_recorded(db, members)
    return result


def member(i: int) -> dict[str, Any]:
    return {"user_id": str(FIRST_MEMBER + i), "name": f"member{i}"}


async def deal(fake: TimedDiscord, members: int) -> list[tuple[int, dict[str, Any]]]:
    """Every member runs `/drill next`; returns (member, card message) once every card arrived."""
    commands = [D.slash_command("next", **member(i)) for i in range(members)]
    waiting = [fake.expect(c["token"]) for c in commands]
    for command in commands:
        await fake.dispatch("INTERACTION_CREATE", command)
    cards = []
    for i, future in enumerate(waiting):
        _, call = await asyncio.wait_for(future, 120)
        cards.append((i, fake.messages[_message_id(fake, call)]))
    return cards


def _message_id(fake: TimedDiscord, call: Call) -> str:
    token = _ORIGINAL.fullmatch(call.path)[1]  # type: ignore[index]
    return fake._originals[token]


async def click(fake: TimedDiscord, cards: list[tuple[int, dict[str, Any]]], rng: random.Random,
                server: Server) -> tuple[Burst, list[Call]]:
    """All members click an answer at once; each latency runs from its dispatch to its reply's arrival."""
    clicks = [D.button_click(rng.choice(D.custom_ids(card)[:4]), card, **member(i)) for i, card in cards]
    waiting = [fake.expect(c["token"]) for c in clicks]
    sizes = [len(json.dumps(c)) for c in clicks]  # before the clock starts: the fake shares this process
    server.signal(signal.SIGUSR1)
    await asyncio.sleep(0.2)  # the profiler is on before the first click
    sent: list[float] = []
    cpu = server.cpu()
    start = time.perf_counter()
    for payload in clicks:
        sent.append(time.perf_counter())
        await fake.dispatch("INTERACTION_CREATE", payload)
    return await collect(server, waiting, sent, start, cpu, clicks=sizes,
                         reply_size=lambda call: len(json.dumps(call.json)))


if __name__ == "__main__":
    main("discord", burst, __doc__)
