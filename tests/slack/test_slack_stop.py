"""A stop (SIGTERM on a rolling deploy) takes no new Slack requests but finishes the ones already acked."""

from __future__ import annotations

import asyncio

from tests.fakes import slack_payloads as P
from tests.slack.test_slack_http import drill_card


async def test_disconnect_waits_for_an_acked_answer_to_be_recorded_and_replied(slack, slack_http, fake_slack, app, monkeypatch):
    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[0]
    answer = app.router.answer

    async def slow_answer(*args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.5)  # the database is slow just as the deploy sends SIGTERM
        return await answer(*args, **kwargs)

    monkeypatch.setattr(app.router, "answer", slow_answer)
    click = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("click"))
    assert (await slack_http.post(*P.interactive(click))).status == 200  # acked: Slack will not send it again
    await slack.disconnect()
    assert await app.store.answer_count() == 1, "the acknowledged answer was recorded before the stop returned"
    assert fake_slack.of("response_url")[-1].path == "/response_url/click"
