"""Socket Mode end to end: apps.connections.open on the fake, its websocket, envelopes and acks."""

from __future__ import annotations

import logging
import uuid

from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import APP_TOKEN, BOT_TOKEN


async def test_socket_mode_handshake_command_and_click(fake_slack, app, db_path, caplog):
    from adapters.slack_adapter import SlackAdapter
    from bot.settings import Settings

    # Socket Mode needs no signing secret and no public URL: only the two tokens.
    app.settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN=BOT_TOKEN,
                            SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake_slack.base_url)
    caplog.set_level(logging.INFO, logger="adapters.slack_adapter.listeners")
    adapter = SlackAdapter(app.settings, app.router)
    assert adapter.mode == "socket"
    await adapter.connect()
    try:
        [opened] = await fake_slack.wait_for("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

        envelope = str(uuid.uuid4())
        await fake_slack.socket_send({"envelope_id": envelope, "type": "slash_commands", "accepts_response_payload": True,
                                      "payload": P.slash_command("", response_url=fake_slack.response_url("sm"))})
        [ack] = await fake_slack.wait_for("socket_ack")
        assert ack.body["envelope_id"] == envelope
        [card] = await fake_slack.wait_for("response_url")
        button = P.answer_buttons(card.body["blocks"])[0]

        click = str(uuid.uuid4())
        await fake_slack.socket_send({"envelope_id": click, "type": "interactive", "accepts_response_payload": False,
                                      "payload": P.button_click(button["action_id"], button["value"],
                                                                response_url=fake_slack.response_url("sm-click"))})
        acks = await fake_slack.wait_for("socket_ack", 2)
        assert acks[1].body["envelope_id"] == click
        feedback = (await fake_slack.wait_for("response_url", 2))[-1]
        assert feedback.path == "/response_url/sm-click" and feedback.body["response_type"] == "ephemeral"
        assert len([row async for row in app.store.export_answers()]) == 1

        # An Events API retry arrives with retry_attempt on the envelope; the event_id decides.
        event = P.event_callback(P.app_home_opened("U0ALICE"), event_id="Ev0SOCKET")
        for attempt in (0, 1):
            await fake_slack.socket_send({"envelope_id": str(uuid.uuid4()), "type": "events_api",
                                          "accepts_response_payload": False, "retry_attempt": attempt,
                                          "retry_reason": "timeout" if attempt else "", "payload": event})
        await fake_slack.wait_for("socket_ack", 4)
        await fake_slack.wait_for("views.publish")
    finally:
        await adapter.disconnect()
        await adapter.disconnect()  # safe twice
    assert len(fake_slack.of("views.publish")) == 1
    assert any("skipped a repeated Slack delivery (event, retry 1)" in r.getMessage() for r in caplog.records)
