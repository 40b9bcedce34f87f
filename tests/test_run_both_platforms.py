"""`saga-drills run` with Slack and Discord credentials serves both on one event loop and one database."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.discord.steps import interact
from tests.fakes import discord_payloads as D
from tests.fakes import slack_payloads as P
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.test_slack_run import drain, free_port, wait_for_port

pytestmark = pytest.mark.slow
DISCORD_TOKEN = "fake.bot.token"


async def test_run_without_adapter_flags_serves_slack_and_discord_together(tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlack() as slack:
        discord = await FakeDiscord().start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
        env.update(SAGA_DRILLS_DB=str(tmp_path / "both.db"), SLACK_BOT_TOKEN=BOT_TOKEN,
                   SLACK_SIGNING_SECRET=P.SIGNING_SECRET, SLACK_HTTP_PORT=str(port), SLACK_API_URL=slack.base_url,
                   DISCORD_TOKEN=DISCORD_TOKEN, DISCORD_API_BASE_URL=discord.api_base,
                   DISCORD_GATEWAY_URL=discord.gateway_url)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stderr: list[str] = []
        drainer = asyncio.create_task(drain(proc.stderr, stderr))  # type: ignore[arg-type]
        try:
            await wait_for_port(port, proc, stderr)
            await discord.wait_identified(timeout=60)
            # Discord: /drill next, then click the first answer button.
            _, card = await interact(discord, D.slash_command("next"))
            _, feedback = await interact(discord, D.button_click(D.custom_ids(card.response)[0], card.response))
            assert "You chose A." in str(feedback.response)
            # Slack: /drill, then click an answer button.
            async with ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
                body, ctype = P.form(P.slash_command("", response_url=slack.response_url("both-drill")))
                assert (await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                [slack_card] = await slack.wait_for("response_url", timeout=15)
                button = P.answer_buttons(slack_card.body["blocks"])[0]
                click = P.button_click(button["action_id"], button["value"], response_url=slack.response_url("both-click"))
                body, ctype = P.interactive(click)
                assert (await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                await slack.wait_for("response_url", 2, timeout=15)
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await drainer
            await discord.stop()
    logged = "".join(stderr)
    assert "slack adapter connected" in logged and "discord adapter connected" in logged, logged
    assert "serving: GIL switch interval 0.5 ms" in logged, "serve() tunes the interpreter once it has started"
    assert "Traceback" not in logged and BOT_TOKEN not in logged and DISCORD_TOKEN not in logged

    export = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "export", cwd=tmp_path, env=env,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(export.communicate(), 30)
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert sorted(r["platform"] for r in rows) == ["discord", "slack"]
