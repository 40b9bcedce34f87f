"""The Slack adapter's part in /metrics: the 429s slack-sdk waited out, counted once each."""

from __future__ import annotations

from tests.test_health import samples


async def test_metrics_count_slack_429s_once(app, fake_slack) -> None:
    from adapters.slack_adapter import SlackAdapter
    from bot.health.status import HealthStatus
    from bot.ports import Target
    from bot.messages import Notice
    from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

    adapter = SlackAdapter(app.settings, app.router, serve=False, retry_interval=FixedValueRetryIntervalCalculator(0.0))
    await adapter.connect()
    app.adapters["slack"] = adapter
    fake_slack.fail("chat.postMessage", times=1)  # one 429 with Retry-After: 0; slack-sdk waits it out
    await adapter.send(Target(platform="slack", channel="C0DRILLS"), Notice(text="hello"))
    scrape = samples((await HealthStatus(app).metrics())[0].decode())
    assert scrape[("saga_drills_rate_limited_total", (("platform", "slack"),))] == 1
    again = samples((await HealthStatus(app).metrics())[0].decode())
    assert again[("saga_drills_rate_limited_total", (("platform", "slack"),))] == 1  # carried once, not per scrape
