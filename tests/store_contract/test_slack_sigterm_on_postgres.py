"""A rolling deploy's SIGTERM on a real `--role web` worker on PostgreSQL: the click acked while its write waits still counts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg
import pytest
from aiohttp import ClientSession

from bot.runtime import open_backend
from bot.settings import Settings
from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN
from tests.slack.conftest import fake_slack  # noqa: F401  (the fixture)
from tests.slack.test_slack_run import drain, free_port, wait_for_port
from tests.slack.test_slack_sigterm import _until

pytestmark = pytest.mark.slow


async def test_sigterm_with_an_acked_click_waiting_on_a_lock_records_it_replies_and_exits_0(pg_url, fake_slack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", "SAGA_DRILLS_DB": pg_url,
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET, "SLACK_API_URL": fake_slack.base_url,
           "SLACK_HTTP_HOST": "127.0.0.1", "SLACK_HTTP_PORT": str(port), "SAGA_DRILLS_LOG_LEVEL": "INFO"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--role", "web", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    drainer = asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]
    blocker = await asyncpg.connect(pg_url)
    try:
        await wait_for_port(port, proc, lines)
        url = f"http://127.0.0.1:{port}/slack/events"
        async with ClientSession() as http:
            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
            assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            [card] = await fake_slack.wait_for("response_url", timeout=15)
            button = P.answer_buttons(card.body["blocks"])[0]
            # Another session holds a lock every answer's INSERT waits for (SHARE blocks ROW EXCLUSIVE).
            blocking = blocker.transaction()
            await blocking.start()
            await blocker.execute("LOCK TABLE answers IN SHARE MODE")
            body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                                       response_url=fake_slack.response_url("click")))
            assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
        proc.send_signal(signal.SIGTERM)  # the rolling deploy
        await _until(lines, "already acknowledged", proc)
        await blocking.rollback()  # the lock goes, well within the store's lock timeout
        assert await asyncio.wait_for(proc.wait(), 30) == 0, "".join(lines)
    finally:
        await blocker.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await drainer
    replies = fake_slack.of("response_url")
    assert [r.path for r in replies] == ["/response_url/drill", "/response_url/click"], "".join(lines)
    assert replies[-1].body["response_type"] == "ephemeral" and "nothing was recorded" not in str(replies[-1].body)
    stores = await open_backend(Settings(_env_file=None, SAGA_DRILLS_DB=pg_url).db)
    try:
        assert await stores.core.answer_count() == 1, "the acked answer is recorded"
    finally:
        await stores.close()
    assert "Traceback" not in "".join(lines)
