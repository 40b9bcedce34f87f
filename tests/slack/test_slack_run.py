"""Must-show: `saga-drills run --adapter slack` in HTTP mode serves /drill and a click; export shows the answer."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from adapters.slack_adapter.blocks import escape
from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import BOT_TOKEN

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port: int, proc: asyncio.subprocess.Process, stderr: list[str]) -> None:
    """Poll a connect with short timeouts, bounded, failing fast if the bot exits."""
    for _ in range(300):
        if proc.returncode is not None:
            raise AssertionError(f"the bot exited with {proc.returncode}:\n" + "".join(stderr))
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 0.2)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("the bot never opened its port:\n" + "".join(stderr))


async def drain(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))


async def test_run_serves_drill_and_a_click_and_export_shows_the_answer(fake_slack, tmp_path: Path):
    port = free_port()
    db = tmp_path / "drills.db"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "SAGA_DRILLS_DB": str(db), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET,
           "SLACK_HTTP_PORT": str(port), "SLACK_API_URL": fake_slack.base_url}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--adapter", "slack", cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stderr: list[str] = []
    drainer = asyncio.create_task(drain(proc.stderr, stderr))  # type: ignore[arg-type]
    try:
        await wait_for_port(port, proc, stderr)
        async with ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("run-drill")))
            response = await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))
            assert response.status == 200
            [card] = await fake_slack.wait_for("response_url", timeout=15)
            button = P.answer_buttons(card.body["blocks"])[2]
            letter = button["value"][-1]
            options = next(b["text"]["text"] for b in card.body["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("*A.*"))
            chosen_text = re.search(rf"^\*{letter}\.\* (.*)$", options, re.M).group(1)  # type: ignore[union-attr]

            click = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("run-click"))
            body, ctype = P.interactive(click)
            response = await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))
            assert response.status == 200
            feedback = (await fake_slack.wait_for("response_url", 2, timeout=15))[-1]
            assert feedback.path == "/response_url/run-click" and feedback.body["response_type"] == "ephemeral"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await drainer
    logged = "".join(stderr)
    assert "Traceback" not in logged and BOT_TOKEN not in logged and P.SIGNING_SECRET not in logged
    assert f"listening on http://0.0.0.0:{port}/slack/events" in logged and "Slack adapter stopped" in logged
    assert "will be unused" not in logged  # Bolt's misleading token warning stays out of the log

    export = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "export", "--format", "csv", cwd=tmp_path,
                                                  env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(export.communicate(), 30)
    assert export.returncode == 0, err.decode()
    [row] = list(csv.DictReader(io.StringIO(out.decode())))
    assert row["member"] == "slack:T0SAGA:U0ALICE" and row["platform"] == "slack" and row["display_name"] == "alice"
    assert escape(row["chosen_text"]) == chosen_text  # the option the member clicked, as the card showed it
    assert row["correct"] in ("right", "wrong") and row["delivery_kind"] == "on_demand"
