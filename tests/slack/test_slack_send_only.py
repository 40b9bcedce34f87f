"""A send-only Slack adapter (serve=False) for one-shot CLI sends, and `schedule run-now` through it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from adapters.slack_adapter import SlackAdapter
from bot.ports import Target
from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN


async def test_send_only_adapter_opens_no_port_and_no_socket(app, fake_slack) -> None:  # type: ignore[no-untyped-def]
    adapter = SlackAdapter(app.settings, app.router, mode="socket", serve=False)  # would need SLACK_APP_TOKEN if it served
    await adapter.connect()
    try:
        drill = app.library.active[0]
        card = await app.engine.deal(drill, kind="channel", platform="slack", space=adapter.team_id, channel=P.CHANNEL)
        ref = await adapter.send(Target(platform="slack", space=adapter.team_id, channel=P.CHANNEL), card)
    finally:
        await adapter.disconnect()
    assert ref.channel == P.CHANNEL
    assert [c.method for c in fake_slack.calls] == ["auth.test", "chat.postMessage"]
    assert adapter._runner is None and adapter._socket is None


async def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_schedule_run_now_posts_to_slack_once_when_called_twice(fake_slack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
    # HTTP-mode credentials, as the running bot has, and its port taken (as the running bot would):
    # run-now must send without trying to serve on that port.
    running_bot = socket.socket()
    running_bot.bind(("0.0.0.0", 0))
    running_bot.listen()
    env.update(SAGA_DRILLS_DB=str(tmp_path / "run-now.db"), SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_SIGNING_SECRET=P.SIGNING_SECRET, SLACK_API_URL=fake_slack.base_url,
               SLACK_HTTP_PORT=str(running_bot.getsockname()[1]))
    code, _, err = await _cli(tmp_path, env, "schedule", "add", "--platform", "slack", "--space", "T0SAGA",
                              "--channel", P.CHANNEL, "--at", "09:30", "--tz", "Europe/Berlin", "--days", "daily")
    assert code == 0, err
    code, out, err = await _cli(tmp_path, env, "schedule", "list", "--json")
    [schedule] = json.loads(out)
    first = await _cli(tmp_path, env, "schedule", "run-now", schedule["id"])
    second = await _cli(tmp_path, env, "schedule", "run-now", schedule["id"])
    assert first[0] == 0 and "posted" in first[1], first
    assert second[0] == 0 and "nothing new was posted" in second[1], second
    posts = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert len(posts) == 1 and posts[0].body["channel"] == P.CHANNEL
    assert "Traceback" not in first[2] + second[2] and BOT_TOKEN not in first[2] + second[2]
    running_bot.close()
