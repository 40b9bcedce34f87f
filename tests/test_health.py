"""/healthz, /readyz and /metrics: on the Slack port in HTTP mode, on SAGA_DRILLS_HTTP_PORT otherwise."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from tests.discord.steps import interact
from tests.fakes import discord_payloads as D
from tests.fakes import slack_payloads as P
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.test_slack_run import drain, free_port, wait_for_port

DISCORD_TOKEN = "fake.bot.token"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, parsed by prometheus-client's own parser."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.slow
async def test_run_serves_health_beside_slack_and_on_its_own_port(tmp_path: Path) -> None:
    slack_port, health_port = free_port(), free_port()
    async with FakeSlack() as slack:
        discord = await FakeDiscord().start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
        env.update(SAGA_DRILLS_DB=str(tmp_path / "health.db"), SLACK_BOT_TOKEN=BOT_TOKEN,
                   SLACK_SIGNING_SECRET=P.SIGNING_SECRET, SLACK_HTTP_PORT=str(slack_port), SLACK_API_URL=slack.base_url,
                   SLACK_HTTP_HOST="127.0.0.1", SAGA_DRILLS_HTTP_HOST="127.0.0.1", SAGA_DRILLS_HTTP_PORT=str(health_port),
                   DISCORD_TOKEN=DISCORD_TOKEN, DISCORD_API_BASE_URL=discord.api_base, DISCORD_GATEWAY_URL=discord.gateway_url)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stderr: list[str] = []
        drainer = asyncio.create_task(drain(proc.stderr, stderr))  # type: ignore[arg-type]
        try:
            await wait_for_port(health_port, proc, stderr)
            async with ClientSession(base_url=f"http://127.0.0.1:{health_port}") as health:
                assert (await health.get("/healthz")).status == 200  # alive while the platforms connect
            await wait_for_port(slack_port, proc, stderr)
            await discord.wait_identified(timeout=60)
            _, card = await interact(discord, D.slash_command("next"))
            await interact(discord, D.button_click(D.custom_ids(card.response)[0], card.response))
            async with ClientSession(base_url=f"http://127.0.0.1:{slack_port}") as http:
                body, ctype = P.form(P.slash_command("", response_url=slack.response_url("h-drill")))
                assert (await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                [slack_card] = await slack.wait_for("response_url", timeout=15)
                button = P.answer_buttons(slack_card.body["blocks"])[0]
                body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                                           response_url=slack.response_url("h-click")))
                assert (await http.post("/slack/events", data=body.encode(), headers=P.signed_headers(body, ctype))).status == 200
                await slack.wait_for("response_url", 2, timeout=15)
                # The same routes on the Slack port, unsigned: they are not Slack's.
                live = await http.get("/healthz")
                assert live.status == 200 and await live.json() == {"alive": True}
                ready = await http.get("/readyz")
                body = await ready.json()
                assert ready.status == 200, body
                assert body == {"ready": True, "checks": {"database": "ok", "slack": "ok", "discord": "ok", "scheduler": "ok"}}
                scraped = await http.get("/metrics")
                assert scraped.status == 200 and scraped.headers["Content-Type"].startswith("text/plain; version=")
                on_slack_port = samples(await scraped.text())
            async with ClientSession(base_url=f"http://127.0.0.1:{health_port}") as health:
                assert (await (await health.get("/readyz")).json())["ready"] is True
                on_own_port = samples(await (await health.get("/metrics")).text())
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await drainer
            await discord.stop()
    logged = "".join(stderr)
    assert f"listening on http://127.0.0.1:{slack_port}/slack/events" in logged
    assert f"health endpoints on http://127.0.0.1:{health_port}" in logged
    for scrape in (on_slack_port, on_own_port):
        assert scrape[("saga_drills_answers_recorded_total", (("platform", "discord"),))] == 1
        assert scrape[("saga_drills_answers_recorded_total", (("platform", "slack"),))] == 1
        assert scrape[("saga_drills_interactions_total", (("kind", "answer"), ("outcome", "ok"), ("platform", "slack")))] == 1
        assert scrape[("saga_drills_interactions_total", (("kind", "command"), ("outcome", "ok"), ("platform", "slack")))] == 1
        assert scrape[("saga_drills_answers_stored", ())] == 2
        assert scrape[("saga_drills_platform_connected", (("platform", "slack"),))] == 1
        assert scrape[("saga_drills_platform_connected", (("platform", "discord"),))] == 1
        assert scrape[("saga_drills_database_up", ())] == 1
        assert scrape[("saga_drills_outbox_pending", ())] == 0
        assert 0 <= scrape[("saga_drills_scheduler_seconds_since_tick", ())] < 60


async def test_readyz_says_what_is_wrong_and_metrics_still_answer(app, clock) -> None:
    from adapters.health_adapter.adapter import HealthEndpoint
    from bot.health.status import HealthStatus
    from bot.scheduling.service import SchedulerService

    service = next(s for s in app.services if isinstance(s, SchedulerService))
    endpoint = HealthEndpoint(HealthStatus(app), host="127.0.0.1", port=0)
    await endpoint.start()
    try:
        async with ClientSession(base_url=f"http://127.0.0.1:{endpoint.port}") as http:
            not_started = await http.get("/readyz")
            assert not_started.status == 503
            assert (await not_started.json())["checks"] == {"database": "ok", "scheduler": "not running"}
            await service.start(app)
            try:
                assert (await http.get("/readyz")).status == 200
                clock.advance(timedelta(minutes=10))  # no tick finished for ten minutes: stuck
                stalled = await http.get("/readyz")
                assert stalled.status == 503 and (await stalled.json())["checks"]["scheduler"] == "no tick for 600 s"
                await service.tick()
                assert (await http.get("/readyz")).status == 200
            finally:
                await service.stop()
            await app.store.close()  # the database goes away under a running process
            gone = await http.get("/readyz")
            assert gone.status == 503 and (await gone.json())["checks"]["database"] != "ok"
            scraped = await http.get("/metrics")
            assert scraped.status == 200
            assert samples(await scraped.text())[("saga_drills_database_up", ())] == 0
            assert (await http.get("/healthz")).status == 200  # alive still: a restart would not help
    finally:
        await endpoint.stop()
