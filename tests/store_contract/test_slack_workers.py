"""Several `saga-drills run` processes on one database with the fake Slack, the test acting as the load balancer.

PostgreSQL: three `--role web` workers and one `--role clock` process; SQLite: two web workers
and a clock on one file. A lead sets the channel's schedule through worker A and the clock
process posts it; `/drill` on worker A, the click on B, Slack's retry of that click on C: one
answer, one private reply. SIGTERM ends every process with exit 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession

from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN
from tests.slack.conftest import fake_slack  # noqa: F401  (the fixture)
from tests.slack.test_slack_run import drain, free_port, wait_for_port

pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parents[2]
# The clock process runs this far ahead of the web workers, so the minute a schedule is set for
# has already come for it (tests/shifted_run.py); leases are written and read by clocks only.
CLOCK_AHEAD_S = 70


async def _start(role: str, env: dict[str, str], cwd: Path, *,
                 ahead: float = 0.0) -> tuple[asyncio.subprocess.Process, list[str], asyncio.Task[None]]:
    cli = ["-m", "tests.shifted_run", str(ahead)] if ahead else ["-m", "bot"]
    proc = await asyncio.create_subprocess_exec(sys.executable, *cli, "run", "--role", role, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    return proc, lines, asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]


async def _logged(started, words: str) -> None:  # type: ignore[no-untyped-def]
    """Await a line with `words` in any worker's log (a condition, not a sleep)."""
    while not any(words in line for _, lines, _ in started for line in lines):
        await asyncio.sleep(0.01)


def _next_minute() -> tuple[str, str]:
    """A schedule time a moment from now, and its zone: the first whole minute at least 5 s ahead
    (at most 65 s), in a zone where it is not 23:xx, so that the clock process, CLOCK_AHEAD_S ahead,
    is past it and still on the same local day."""
    at = (datetime.now(timezone.utc) + timedelta(seconds=5)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    zone = "UTC" if at.hour != 23 else "Etc/GMT-2"  # POSIX signs: Etc/GMT-2 is UTC+2
    return f"{at.astimezone(ZoneInfo(zone)):%H:%M}", zone


async def test_a_click_and_its_retry_on_other_workers_count_once_and_reply_once(backend, fake_slack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT),
            "SAGA_DRILLS_DB": backend.db, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url, "SLACK_HTTP_HOST": "127.0.0.1", "SAGA_DRILLS_LEADS": "U0ALICE"}
    ports = [free_port() for _ in range(3 if backend.name == "postgres" else 2)]
    # The first process makes the schema; the others start together against it.
    started = [await _start("web", {**base, "SLACK_HTTP_PORT": str(ports[0])}, tmp_path)]
    await wait_for_port(ports[0], started[0][0], started[0][1])
    started += [await _start("web", {**base, "SLACK_HTTP_PORT": str(p)}, tmp_path) for p in ports[1:]]
    # A sweep every 0.2 s: the clock reads the schedules table that often (60 s in production).
    started.append(await _start("clock", {**base, "SAGA_DRILLS_SWEEP_SECONDS": "0.2"}, tmp_path, ahead=CLOCK_AHEAD_S))
    try:
        for port, (proc, lines, _) in zip(ports, started):
            await wait_for_port(port, proc, lines)
        a, b, c = (f"http://127.0.0.1:{p}/slack/events" for p in (ports * 2)[:3])
        async with ClientSession() as http:
            # A lead sets a channel's daily drill through worker A; only the clock process can post it.
            # The first one shows the clock running; the second, set after that, that it reads new ones.
            for n, channel in enumerate(("C0EARLY", P.CHANNEL), start=1):
                at, zone = _next_minute()
                body, ctype = P.form(P.slash_command(f"schedule set {at} {zone} daily", channel=channel,
                                                     response_url=fake_slack.response_url(f"set{n}")))
                assert (await http.post(a, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                confirmed = (await fake_slack.wait_for("response_url", n, timeout=15))[-1]
                assert f"{at} {zone}" in json.dumps(confirmed.body), confirmed.body
                post = (await fake_slack.wait_for("chat.postMessage", n, timeout=30))[-1]
                assert post.body["channel"] == channel and P.answer_buttons(post.body["blocks"]), post.body

            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
            assert (await http.post(a, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            card = (await fake_slack.wait_for("response_url", 3, timeout=15))[-1]
            assert card.path == "/response_url/drill"
            button = P.answer_buttons(card.body["blocks"])[1]
            click = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("click"))
            body, ctype = P.interactive(click)
            assert (await http.post(b, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            replies = await fake_slack.wait_for("response_url", 4, timeout=15)
            assert replies[-1].path == "/response_url/click" and replies[-1].body["response_type"] == "ephemeral"
            # Slack did not see B's ack in time and sends the click again, to another worker.
            retried = await http.post(c, data=body.encode(), headers=P.signed_headers(body, ctype, retry_num=1))
            assert retried.status == 200
            # The worker that got the retry says it skipped it; a reply it sent would come before that line.
            await asyncio.wait_for(_logged(started, "skipped a repeated Slack delivery"), 15)
        assert len(fake_slack.of("response_url")) == 4, "two schedules confirmed, one card and one private reply"
    finally:
        for proc, _, _ in started:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(proc.wait(), 20) for proc, _, _ in started]
        for _, _, drainer in started:
            await drainer
    logs = ["".join(lines) for _, lines, _ in started]
    assert codes == [0] * len(started), logs
    assert any("skipped a repeated Slack delivery" in log for log in logs), logs
    assert all("Traceback" not in log for log in logs), logs
    assert "role clock: slack, scheduler on" in logs[-1]
    # The clock process started both days' runs; no web worker runs a scheduler.
    assert logs[-1].count("runs_started=1") == 2, logs[-1]
    assert all("runs_started" not in log for log in logs[:-1]), logs
    assert [c.body["channel"] for c in fake_slack.of("chat.postMessage")] == ["C0EARLY", P.CHANNEL], "each posted once"
    stores = await backend.open()
    try:
        assert await stores.core.answer_count() == 1
    finally:
        await stores.close()
