"""A rolling deploy's SIGTERM on a real `saga-drills run --role discord` process: a deferred click still counts and replies."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import sys

import pytest

from bot.runtime import open_backend
from tests.discord.steps import interact, text_of
from tests.discord.test_discord_run_subprocess import bot_env
from tests.fakes import discord_payloads as D
from tests.slack.test_slack_run import drain
from tests.slack.test_slack_sigterm import _until

pytestmark = pytest.mark.slow


async def test_sigterm_with_a_deferred_click_in_flight_records_it_replies_and_exits_0(fake_discord, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = bot_env(tmp_path, fake_discord)
    db = tmp_path / "bot.db"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--role", "discord", cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    drainer = asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]
    blocker = None
    try:
        await fake_discord.wait_identified(timeout=60)
        _, card = await interact(fake_discord, D.slash_command("next"))
        [button, *_] = D.custom_ids(card.response)
        # Another process holds the SQLite write lock, so the answer waits after the defer went out.
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        click = D.button_click(button, card.response)
        await fake_discord.dispatch("INTERACTION_CREATE", click)
        [deferred] = await fake_discord.wait_for("POST", rf"/interactions/{click['id']}/{re.escape(click['token'])}/callback",
                                                 timeout=15)
        assert deferred.json["type"] in (5, 6), deferred.json  # deferred: Discord counts the click as answered
        proc.send_signal(signal.SIGTERM)  # the rolling deploy
        await _until(lines, "interaction(s) in flight", proc)
        blocker.execute("ROLLBACK")  # the lock goes, well within the store's busy timeout
        assert await asyncio.wait_for(proc.wait(), 30) == 0, "".join(lines)
    finally:
        if blocker is not None:
            blocker.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await drainer
    edits = fake_discord.of("PATCH", rf"/webhooks/{D.APP_ID}/{re.escape(click['token'])}/messages/@original")
    assert len(edits) == 1 and "You chose A" in text_of(edits[0].json), "".join(lines)
    stores = await open_backend(db)
    try:
        assert await stores.core.answer_count() == 1, "the deferred answer is recorded"
    finally:
        await stores.close()
    assert "Traceback" not in "".join(lines)
