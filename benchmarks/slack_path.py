"""Benchmark: a burst of answer clicks through the real `saga-drills run --adapter slack` (HTTP mode) against a no-op Bolt app.

Both run as their own process against the tests' fake Slack (tests/fakes/fake_slack.py, on
127.0.0.1). N members each run `/drill` and get a card through their response_url; then all N
click an answer at once, each a signed POST to /slack/events. A click counts when its ephemeral
reply reaches its response_url on the fake. The floor (benchmarks/slack_floor.py) acks and
answers the same way with no work. Alternated runs, fresh fake and database each; medians.

    .venv/bin/python benchmarks/slack_path.py [--members 200] [--rounds 5] [--profile FILE | --tasks DIR | --calls DIR]
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientSession  # noqa: E402

from benchmarks.burst import PYTHON, ROOT, Burst, Server, base_env, check_recorded, collect, main, serving  # noqa: E402
from tests.fakes import slack_payloads as P  # noqa: E402
from tests.fakes.fake_slack import BOT_TOKEN, TEAM_ID, Call, FakeSlack  # noqa: E402


class TimedSlack(FakeSlack):
    """The fake, noting when each response_url message arrives."""

    def __init__(self, members: int) -> None:
        users = {uid(i): {"id": uid(i), "name": f"member{i}", "real_name": f"Member {i}", "tz": "UTC", "is_admin": False,
                          "is_owner": False, "profile": {"display_name": f"member{i}", "real_name": f"Member {i}"}}
                 for i in range(members)}
        super().__init__(users=users)
        self.replies: dict[str, asyncio.Future[tuple[float, Call]]] = {}

    def expect(self, key: str) -> asyncio.Future[tuple[float, Call]]:
        future = self.replies[key] = asyncio.get_running_loop().create_future()
        return future

    async def _record(self, call: Call) -> None:
        if call.method == "response_url":
            future = self.replies.get(call.path.rsplit("/", 1)[-1])
            if future is not None and not future.done():
                future.set_result((time.perf_counter(), call))
        await super()._record(call)


def uid(i: int) -> str:
    return f"U{1_000_000 + i}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def burst(kind: str, members: int, *, profile: Path | None = None, seed: int = 1) -> Burst:
    fake = await TimedSlack(members).start()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        env = base_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=P.SIGNING_SECRET, SLACK_HTTP_PORT=str(port),
                       SLACK_HTTP_HOST="127.0.0.1", SLACK_API_URL=fake.base_url, SAGA_DRILLS_DB=str(db))
        argv = ([PYTHON, "-m", "bot", "run", "--adapter", "slack"] if kind == "bot"
                else [PYTHON, str(ROOT / "benchmarks" / "slack_floor.py")])
        server = Server(argv, env=env, cwd=Path(tmp), profile=profile)
        async with serving(server, fake, name=kind, ok=(0, -signal.SIGTERM)):
            async with ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
                await wait_for_port(port, server)
                await asyncio.sleep(1.0)  # the process settles
                cards = await deal(fake, http, members)
                result, replies = await click(fake, http, cards, random.Random(seed), server)
        assert all(c.body.get("response_type") == "ephemeral" for c in replies), "a reply was not private"
        if kind == "bot":
            check_recorded(db, members)
    return result


async def wait_for_port(port: int, server: Server) -> None:
    for _ in range(1200):
        if server.proc is not None and server.proc.returncode is not None:
            raise SystemExit(f"the server exited:\n{server.tail()}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise SystemExit(f"the server never opened its port:\n{server.tail()}")


async def post(http: ClientSession, body: str, ctype: str) -> None:
    async with http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype)) as response:
        assert response.status == 200, response.status


async def deal(fake: TimedSlack, http: ClientSession, members: int) -> list[tuple[int, dict[str, Any]]]:
    """Every member runs `/drill`; returns (member, an answer button of their card)."""
    waiting = [fake.expect(f"c{i}") for i in range(members)]
    await asyncio.gather(*(post(http, *P.form(P.slash_command("", response_url=fake.response_url(f"c{i}"), user=uid(i),
                                                                 user_name=f"member{i}", team=TEAM_ID)))
                           for i in range(members)))
    cards = []
    for i, future in enumerate(waiting):
        _, call = await asyncio.wait_for(future, 120)
        cards.append((i, call.body["blocks"]))
    return cards


async def click(fake: TimedSlack, http: ClientSession, cards: list[tuple[int, Any]], rng: random.Random,
                server: Server) -> tuple[Burst, list[Call]]:
    """All members click at once; each latency runs from its POST to its reply's arrival."""
    bodies = []
    for i, blocks in cards:
        button = rng.choice(P.answer_buttons(blocks))
        bodies.append(P.interactive(P.button_click(button["action_id"], button["value"], user=uid(i),
                                                   user_name=f"member{i}", response_url=fake.response_url(f"k{i}"))))
    waiting = [fake.expect(f"k{i}") for i in range(len(cards))]
    sizes = [len(body) for body, _ in bodies]
    server.signal(signal.SIGUSR1)
    await asyncio.sleep(0.2)
    sent: list[float] = []
    cpu = server.cpu()
    start = time.perf_counter()

    async def one(body: tuple[str, str]) -> None:
        sent.append(time.perf_counter())
        await post(http, *body)

    posting = [asyncio.ensure_future(one(b)) for b in bodies]
    measured = await collect(server, waiting, sent, start, cpu, clicks=sizes,
                             reply_size=lambda call: len(json.dumps(call.body)))
    await asyncio.gather(*posting)
    return measured


if __name__ == "__main__":
    main("slack", burst, __doc__)
