"""A rolling deploy's SIGTERM on a real `saga-drills run --role web` process: an acked click still counts."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from aiohttp import ClientSession

from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN
from tests.slack.test_slack_run import drain, free_port, wait_for_port


async def _until(lines: list[str], words: str, proc: asyncio.subprocess.Process, *, timeout: float = 20) -> None:
    """Await a log line of the process (it logs to stderr), failing fast if it exits."""
    async def seen() -> None:
        while not any(words in line for line in lines):
            if proc.returncode is not None:
                raise AssertionError(f"exited with {proc.returncode} before {words!r}:\n" + "".join(lines))
            await asyncio.sleep(0.01)
    await asyncio.wait_for(seen(), timeout)


async def test_sigterm_with_an_acked_click_in_flight_records_it_replies_and_exits_0(fake_slack, tmp_path: Path) -> None:
    db, port = tmp_path / "saga.db", free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", "SAGA_DRILLS_DB": str(db),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET, "SLACK_API_URL": fake_slack.base_url,
           "SLACK_HTTP_HOST": "127.0.0.1", "SLACK_HTTP_PORT": str(port), "SAGA_DRILLS_LOG_LEVEL": "INFO"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--role", "web", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    drainer = asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]
    blocker = None
    try:
        await wait_for_port(port, proc, lines)
        url = f"http://127.0.0.1:{port}/slack/events"
        async with ClientSession() as http:
            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
            assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            [card] = await fake_slack.wait_for("response_url", timeout=15)
            button = P.answer_buttons(card.body["blocks"])[0]
            # Another process holds the write lock, so the answer waits in the listener after the ack.
            blocker = sqlite3.connect(db, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")
            body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                                       response_url=fake_slack.response_url("click")))
            assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
        proc.send_signal(signal.SIGTERM)  # the rolling deploy
        await _until(lines, "already acknowledged", proc)
        blocker.execute("ROLLBACK")  # the lock goes, well within the store's busy timeout
        assert await asyncio.wait_for(proc.wait(), 30) == 0, "".join(lines)
    finally:
        if blocker is not None:
            blocker.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await drainer
    replies = fake_slack.of("response_url")
    assert [r.path for r in replies] == ["/response_url/drill", "/response_url/click"], "".join(lines)
    assert replies[-1].body["response_type"] == "ephemeral" and "nothing was recorded" not in str(replies[-1].body)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1, "the acked answer is recorded"
    assert "Traceback" not in "".join(lines)
