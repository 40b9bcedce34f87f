"""A rolling deploy's SIGTERM on a real serving process, on both backends: work already acknowledged is recorded and answered.

Slack (`--role web`): the click got its 200. Discord (`--role discord`): the click was deferred.
In both, another session holds a lock the answer's write waits for; SIGTERM arrives; the lock
goes; the process records the answer, sends the private reply, and exits 0.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.discord.steps import interact, text_of
from tests.discord.test_discord_run_subprocess import bot_env
from tests.fakes import discord_payloads as D
from tests.fakes import slack_payloads as P
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import BOT_TOKEN
from tests.slack.conftest import fake_slack  # noqa: F401  (the fixture)
from tests.slack.test_slack_run import drain, free_port, wait_for_port
from tests.store_contract.conftest import Backend

pytestmark = pytest.mark.slow


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    yield fake
    await fake.stop()


@asynccontextmanager
async def write_lock(backend: Backend) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Another session holding what every answer's write waits for; yields the release."""
    if backend.name == "sqlite":
        conn = sqlite3.connect(backend.db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # the write lock

        async def release() -> None:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        try:
            yield release
        finally:
            conn.close()
        return
    import asyncpg

    pg = await asyncpg.connect(backend.db)
    held = pg.transaction()
    await held.start()
    await pg.execute("LOCK TABLE answers IN SHARE MODE")  # SHARE blocks the INSERT's ROW EXCLUSIVE
    try:
        yield held.rollback
    finally:
        await pg.close()


async def _until(lines: list[str], words: str, proc: asyncio.subprocess.Process, *, timeout: float = 20) -> None:
    """Await a log line of the process (it logs to stderr), failing fast if it exits."""
    async def seen() -> None:
        while not any(words in line for line in lines):
            if proc.returncode is not None:
                raise AssertionError(f"exited with {proc.returncode} before {words!r}:\n" + "".join(lines))
            await asyncio.sleep(0.01)
    await asyncio.wait_for(seen(), timeout)


@asynccontextmanager
async def serving(role: str, env: dict[str, str], cwd: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """`saga-drills run --role ROLE`, its log collected; killed if the test leaves it running."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--role", role, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    lines: list[str] = []
    drainer = asyncio.create_task(drain(proc.stderr, lines))  # type: ignore[arg-type]
    try:
        yield proc, lines
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await drainer


async def stop_while_waiting(proc: asyncio.subprocess.Process, lines: list[str], release: Callable[[], Awaitable[None]],
                             *, waiting: str) -> None:
    """SIGTERM (the rolling deploy), then the lock goes once the process says it waits; it must exit 0."""
    proc.send_signal(signal.SIGTERM)
    await _until(lines, waiting, proc)
    await release()  # well within the store's busy (SQLite) or lock (PostgreSQL) timeout
    assert await asyncio.wait_for(proc.wait(), 30) == 0, "".join(lines)
    assert "Traceback" not in "".join(lines)


async def recorded(backend: Backend) -> int:
    stores = await backend.open()
    try:
        return await stores.core.answer_count()
    finally:
        await stores.close()


async def test_slack_web_worker_records_and_replies_to_an_acked_click(backend, fake_slack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8", "SAGA_DRILLS_DB": backend.db,
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": P.SIGNING_SECRET, "SLACK_API_URL": fake_slack.base_url,
           "SLACK_HTTP_HOST": "127.0.0.1", "SLACK_HTTP_PORT": str(port), "SAGA_DRILLS_LOG_LEVEL": "INFO"}
    async with serving("web", env, tmp_path) as (proc, lines):
        await wait_for_port(port, proc, lines)
        url = f"http://127.0.0.1:{port}/slack/events"
        async with ClientSession() as http:
            body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
            assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
            [card] = await fake_slack.wait_for("response_url", timeout=15)
            button = P.answer_buttons(card.body["blocks"])[0]
            async with write_lock(backend) as release:
                body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                                           response_url=fake_slack.response_url("click")))
                asked = time.monotonic()
                assert (await http.post(url, data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                # Acked within Slack's 3 s although the database is locked (the claim of its key gave up).
                assert time.monotonic() - asked < 3.0, "".join(lines)
                await stop_while_waiting(proc, lines, release, waiting="already acknowledged")
    replies = fake_slack.of("response_url")
    assert [r.path for r in replies] == ["/response_url/drill", "/response_url/click"], "".join(lines)
    assert replies[-1].body["response_type"] == "ephemeral" and "nothing was recorded" not in str(replies[-1].body)
    assert await recorded(backend) == 1, "the acked answer is recorded"


async def test_discord_process_records_and_replies_to_a_deferred_click(backend, fake_discord, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {**bot_env(tmp_path, fake_discord), "SAGA_DRILLS_DB": backend.db}
    async with serving("discord", env, tmp_path) as (proc, lines):
        await fake_discord.wait_identified(timeout=60)
        _, card = await interact(fake_discord, D.slash_command("next"))
        [button, *_] = D.custom_ids(card.response)
        click = D.button_click(button, card.response)
        async with write_lock(backend) as release:
            await fake_discord.dispatch("INTERACTION_CREATE", click)
            [deferred] = await fake_discord.wait_for(
                "POST", rf"/interactions/{click['id']}/{re.escape(click['token'])}/callback", timeout=15)
            assert deferred.json["type"] in (5, 6), deferred.json  # deferred: Discord counts the click as answered
            await stop_while_waiting(proc, lines, release, waiting="interaction(s) in flight")
    edits = fake_discord.of("PATCH", rf"/webhooks/{D.APP_ID}/{re.escape(click['token'])}/messages/@original")
    assert len(edits) == 1 and "You chose A" in text_of(edits[0].json), "".join(lines)
    assert await recorded(backend) == 1, "the deferred answer is recorded"
