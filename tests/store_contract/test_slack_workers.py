"""Several `saga-drills run` processes on one database with the fake Slack, the test acting as the load balancer.

PostgreSQL: three `--role web` workers and one `--role clock` process; SQLite: two web workers
on one file. `/drill` on worker A, the click on B, Slack's retry of that click on C: one answer,
one private reply. SIGTERM ends every process with exit 0.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN
from tests.slack.conftest import fake_slack  # noqa: F401  (the fixture)
from tests.slack.test_slack_run import drain, free_port, wait_for_port

pytestmark = pytest.mark.slow


async def _start(role: str, env: dict[str, str], cwd: Path) -> tuple[asyncio.subprocess.Process, list[str], asyncio.Task[None]]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--role", role, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    return proc, lines, asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]


async def _logged(started, words: str) -> None:  # type: ignore[no-untyped-def]
    """Await a line with `words` in any worker's log (a condition, not a sleep)."""
    while not any(words in line for _, lines, _ in started for line in lines):
        await asyncio.sleep(0.01)


async def test_a_click_and_its_retry_on_other_workers_count_once_and_reply_once(backend, fake_slack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "SAGA_DRILLS_DB": backend.db, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url, "SLACK_HTTP_HOST": "127.0.0.1"}
    ports = [free_port() for _ in range(3 if backend.name == "postgres" else 2)]
    # The first process makes the schema; the others start together against it.
    started = [await _start("web", {**base, "SLACK_HTTP_PORT": str(ports[0])}, tmp_path)]
    await wait_for_port(ports[0], started[0][0], started[0][1])
    started += [await _start("web", {**base, "SLACK_HTTP_PORT": str(p)}, tmp_path) for p in ports[1:]]
    if backend.name == "postgres":
        started.append(await _start("clock", base, tmp_path))
    try:
        for port, (proc, lines, _) in zip(ports, started):
            await wait_for_port(port, proc, lines)
        a, b, c = (f"http://127.0.0.1:{p}/slack/events" for p in (ports * 2)[:3])
        async with ClientSession() as http:
            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
            assert (await http.post(a, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            [card] = await fake_slack.wait_for("response_url", timeout=15)
            button = P.answer_buttons(card.body["blocks"])[1]
            click = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("click"))
            body, ctype = P.interactive(click)
            assert (await http.post(b, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            replies = await fake_slack.wait_for("response_url", 2, timeout=15)
            assert replies[-1].path == "/response_url/click" and replies[-1].body["response_type"] == "ephemeral"
            # Slack did not see B's ack in time and sends the click again, to another worker.
            retried = await http.post(c, data=body.encode(), headers=P.signed_headers(body, ctype, retry_num=1))
            assert retried.status == 200
            # The worker that got the retry says it skipped it; a reply it sent would come before that line.
            await asyncio.wait_for(_logged(started, "skipped a repeated Slack delivery"), 15)
        assert len(fake_slack.of("response_url")) == 2, "one card and one private reply, no more"
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
    if backend.name == "postgres":
        assert "role clock: slack, scheduler on" in logs[-1]
    stores = await backend.open()
    try:
        assert await stores.core.answer_count() == 1
    finally:
        await stores.close()
