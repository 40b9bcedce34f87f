"""Must show: `saga-drills run --adapter discord` against a fake Discord, a click seen in `export --format csv`."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import sys

import pytest

from tests.discord.conftest import TOKEN
from tests.discord.steps import interact, text_of
from tests.fakes import discord_payloads as D


def bot_env(tmp_path, fake) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "SAGA_DRILLS_"))}
    env.update(SAGA_DRILLS_DB=str(tmp_path / "bot.db"), DISCORD_TOKEN=TOKEN, DISCORD_API_BASE_URL=fake.api_base,
               DISCORD_GATEWAY_URL=fake.gateway_url, PYTHONUNBUFFERED="1")
    return env


@pytest.mark.slow
async def test_run_discord_answers_drill_next_and_records_the_click(fake_discord, tmp_path):
    env = bot_env(tmp_path, fake_discord)
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--adapter", "discord", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        identify = await fake_discord.wait_identified(timeout=60)
        assert identify["d"]["token"] == TOKEN and identify["d"]["intents"] == 1

        callback, card = await interact(fake_discord, D.slash_command("next"))
        assert callback.json == {"type": 5, "data": {"flags": 64}}
        buttons = D.custom_ids(card.response)
        assert buttons and all(b.startswith("sd:a:") for b in buttons)
        assert "```" in text_of(card.response) or card.response["attachments"]

        _, feedback = await interact(fake_discord, D.button_click(buttons[0], card.response))
        assert "**You chose A.**" in text_of(feedback.response)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(bot.communicate(), 60)
    log = err.decode()
    assert bot.returncode == 0, log
    assert "discord adapter connected" in log and TOKEN not in log + out.decode()

    export = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "--format", "csv", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(export.communicate(), 60)
    assert export.returncode == 0, err.decode()
    [row] = list(csv.DictReader(io.StringIO(out.decode())))
    assert row["member"] == f"discord:{D.GUILD_ID}:{D.MEMBER_ID}" and row["platform"] == "discord"
    assert row["delivery_kind"] == "on_demand" and row["correct"] in ("right", "wrong")
