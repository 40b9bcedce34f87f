"""Fixtures for the Slack adapter: a strict fake Slack, the adapter serving HTTP on 127.0.0.1:0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession

from tests.fakes.fake_slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack_payloads import SIGNING_SECRET, signed_headers


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake
    # Strict by default: anything Slack would have refused fails the test that sent it.
    assert fake.allow_rejections or not fake.rejected, f"Slack would have refused: {fake.rejected}"


@pytest.fixture
def settings(db_path, fake_slack):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN=BOT_TOKEN,
                    SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.base_url)


class PaceRecorder:
    """An injected clock and sleep for ChannelPacer: sleeping advances the clock at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def pace() -> PaceRecorder:
    return PaceRecorder()


@pytest.fixture
async def slack(app, pace):  # type: ignore[no-untyped-def]
    """The adapter in HTTP mode on a free loopback port, connected to the fake."""
    from adapters.slack_adapter import SlackAdapter
    from adapters.slack_adapter.pacing import ChannelPacer
    from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

    # Retries after 5xx and dropped connections without the real back-off's wait.
    adapter = SlackAdapter(app.settings, app.router, http_host="127.0.0.1", http_port=0, retry_interval=FixedValueRetryIntervalCalculator(0.0),
                           pacer=ChannelPacer(monotonic=pace.monotonic, sleep=pace.sleep))
    await adapter.connect()
    app.adapters["slack"] = adapter
    yield adapter
    await adapter.disconnect()


class SlackClient:
    """Sends requests to the adapter's /slack/events exactly as Slack would (signed)."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def post(self, body: str, content_type: str, **signing: Any) -> ClientResponse:
        headers = signed_headers(body, content_type, **signing)
        return await self.session.post("/slack/events", data=body.encode(), headers=headers)


@pytest.fixture
async def slack_http(slack) -> AsyncIterator[SlackClient]:  # type: ignore[no-untyped-def]
    async with ClientSession(base_url=f"http://127.0.0.1:{slack.http_port}") as session:
        yield SlackClient(session)
