"""The Slack adapter over real HTTP: its events handler in front of Bolt on 127.0.0.1, signed like Slack signs."""

from __future__ import annotations

import asyncio
import logging

import pytest
import time

from tests.fakes import slack_payloads as P


async def answers(app) -> list:  # type: ignore[no-untyped-def]
    return [row async for row in app.store.export_answers()]


async def drill_card(slack_http, fake_slack, *, key: str = "cmd", user: str = "U0ALICE", name: str = "alice"):  # type: ignore[no-untyped-def]
    """Run /drill and return the card's blocks as the member received them."""
    before = len(fake_slack.of("response_url"))
    body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url(key), user=user, user_name=name))
    response = await slack_http.post(body, ctype)
    assert response.status == 200
    calls = await fake_slack.wait_for("response_url", before + 1)
    return calls[-1].body


async def test_drill_command_acks_fast_and_sends_the_card_privately(slack_http, fake_slack, app):
    body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url("drill")))
    started = time.monotonic()
    response = await slack_http.post(body, ctype)
    acked_in = time.monotonic() - started
    assert response.status == 200 and await response.text() == ""
    assert acked_in < 3.0  # Slack's ack deadline
    [reply] = await fake_slack.wait_for("response_url")
    assert reply.path == "/response_url/drill"
    assert reply.body["response_type"] == "ephemeral" and reply.body["replace_original"] is False
    blocks = reply.body["blocks"]
    assert blocks[0]["type"] == "header" and " · ~" in blocks[0]["text"]["text"]
    assert any(b["type"] == "section" and b["text"]["text"].startswith("```") for b in blocks)
    buttons = P.answer_buttons(blocks)
    assert [b["action_id"] for b in buttons] == [f"answer:{b['value'][-1]}" for b in buttons]
    delivery_id = buttons[0]["value"].rsplit(":", 1)[0]
    delivery = await app.store.get_delivery(delivery_id)
    assert delivery is not None and delivery.platform == "slack" and delivery.space == "T0SAGA"
    assert delivery.member_id == "slack:T0SAGA:U0ALICE"
    member = await app.store.get_member("slack:T0SAGA:U0ALICE")
    assert member.display_name == "alice" and member.tz == "Europe/Berlin"  # tz from users.info


async def test_private_replies_share_kept_alive_connections(slack_http, fake_slack, app):
    """Every click's feedback goes to its own response_url; one after another they reuse a connection
    instead of opening (in production: a TLS handshake with hooks.slack.com) and closing one each."""
    for i in range(4):
        card = await drill_card(slack_http, fake_slack, key=f"cmd{i}", user=f"U0M{i}", name=f"m{i}")
        button = P.answer_buttons(card["blocks"])[0]
        body, ctype = P.interactive(P.button_click(button["action_id"], button["value"], user=f"U0M{i}",
                                                   response_url=fake_slack.response_url(f"click{i}")))
        assert (await slack_http.post(body, ctype)).status == 200
        await fake_slack.wait_for("response_url", 2 * (i + 1))
    replies = fake_slack.of("response_url")
    assert len(replies) == 8 and all(r.peer for r in replies)
    assert len({r.peer for r in replies}) == 1, [r.peer for r in replies]


async def test_button_click_records_the_answer_and_feedback_is_ephemeral(slack_http, fake_slack, app):
    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[1]
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                               response_url=fake_slack.response_url("click")))
    response = await slack_http.post(body, ctype)
    assert response.status == 200
    calls = await fake_slack.wait_for("response_url", 2)
    feedback = calls[-1]
    assert feedback.path == "/response_url/click"
    assert feedback.body["response_type"] == "ephemeral"
    assert "Right." in feedback.body["blocks"][0]["text"]["text"] or "Not this time." in feedback.body["blocks"][0]["text"]["text"]
    [row] = await answers(app)
    assert row.platform == "slack" and row.member == "slack:T0SAGA:U0ALICE"


async def test_a_click_is_url_decoded_once_on_its_way_to_the_listener(slack_http, fake_slack, app, monkeypatch):
    """The checks before Bolt read what Bolt parsed: per click, decoding the form again cost as much as Bolt's own parse."""
    import urllib.parse

    import slack_bolt.request.internals as bolt_internals

    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[0]
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                               response_url=fake_slack.response_url("click")))
    decoded: list[int] = []
    original = urllib.parse.parse_qsl

    def counting(qs, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "payload=" in (qs if isinstance(qs, str) else qs.decode()):
            decoded.append(len(qs))
        return original(qs, *args, **kwargs)

    monkeypatch.setattr(urllib.parse, "parse_qsl", counting)  # what parse_qs calls
    monkeypatch.setattr(bolt_internals, "parse_qsl", counting)  # what Bolt's parse_body calls
    assert (await slack_http.post(body, ctype)).status == 200
    await fake_slack.wait_for("response_url", 2)
    assert decoded == [len(body)]
    assert len(await answers(app)) == 1


async def test_bad_signature_and_stale_timestamp_get_401_and_do_nothing(slack_http, fake_slack, app):
    body, ctype = P.form(P.slash_command("", response_url=fake_slack.response_url()))
    assert (await slack_http.post(body, ctype, secret="not-the-secret")).status == 401
    assert (await slack_http.post(body, ctype, timestamp=int(time.time()) - 301)).status == 401  # > 5 min old
    click_body, click_type = P.interactive(P.button_click("answer:A", "whatever:A", response_url=fake_slack.response_url()))
    assert (await slack_http.post(click_body, click_type, secret="nope")).status == 401
    unsigned = await slack_http.session.post("/slack/events", data=body, headers={"content-type": ctype})
    assert unsigned.status == 401
    # Nothing after connect's own auth.test reached Slack, and nothing was written.
    assert [c.method for c in fake_slack.calls] == ["auth.test"]
    assert await answers(app) == []
    assert await app.store.get_member("slack:T0SAGA:U0ALICE") is None


async def test_a_retried_click_and_a_double_click_record_one_answer(slack_http, fake_slack, app, caplog):
    caplog.set_level(logging.INFO, logger="adapters.slack_adapter.listeners")
    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[0]
    first = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("c1"))
    body, ctype = P.interactive(first)
    assert (await slack_http.post(body, ctype)).status == 200
    await fake_slack.wait_for("response_url", 2)
    # Slack re-sends the very same request with X-Slack-Retry-Num: acked, not acted on again.
    assert (await slack_http.post(body, ctype, retry_num=1)).status == 200
    # A second, separate click on the same button (a double click).
    second = P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("c2"))
    body2, ctype2 = P.interactive(second)
    assert (await slack_http.post(body2, ctype2)).status == 200
    calls = await fake_slack.wait_for("response_url", 3)
    assert calls[-1].path == "/response_url/c2"
    texts = " ".join(b.get("elements", [{}])[0].get("text", "") for b in calls[-1].body["blocks"] if b["type"] == "context")
    assert "first answer is the one that counts" in texts
    assert len(await answers(app)) == 1
    assert [c.path for c in fake_slack.of("response_url")].count("/response_url/c1") == 1  # one feedback
    assert any("skipped a repeated Slack delivery (trigger, retry 1)" in r.getMessage() for r in caplog.records)


async def test_unknown_words_get_help_privately(slack_http, fake_slack):
    body, ctype = P.form(P.slash_command("fly me to the moon", response_url=fake_slack.response_url("help")))
    assert (await slack_http.post(body, ctype)).status == 200
    [reply] = await fake_slack.wait_for("response_url")
    assert reply.body["response_type"] == "ephemeral"
    text = reply.body["blocks"][0]["text"]["text"]
    assert "I don't know “fly”" in text and "/drill pause DAYS" in text
    assert fake_slack.of("chat.postMessage") == []


async def test_lead_only_words_are_refused_to_members_and_run_for_admins(slack_http, fake_slack, app):
    from bot.messages import Notice

    ran: list[str] = []

    async def purge(ctx, args):  # type: ignore[no-untyped-def]
        ran.append(ctx.member.user_id)
        return Notice(text="purged")

    app.router.register("purge", purge, usage="purge", summary="a lead-only test word", lead_only=True)
    body, ctype = P.form(P.slash_command("purge", response_url=fake_slack.response_url("member")))
    assert (await slack_http.post(body, ctype)).status == 200
    [refusal] = await fake_slack.wait_for("response_url")
    assert "Only leads can use `/drill purge`" in refusal.body["blocks"][0]["text"]["text"]
    assert ran == []
    body, ctype = P.form(P.slash_command("purge", response_url=fake_slack.response_url("admin"), user="U0ADMIN", user_name="ada"))
    assert (await slack_http.post(body, ctype)).status == 200
    calls = await fake_slack.wait_for("response_url", 2)
    assert calls[-1].body["blocks"][0]["text"]["text"] == "purged"
    assert ran == ["U0ADMIN"]
    # SAGA_DRILLS_LEADS names leads who are not workspace admins.
    app.router.leads = frozenset({"U0BOB"})
    body, ctype = P.form(P.slash_command("purge", response_url=fake_slack.response_url("listed"), user="U0BOB", user_name="bob"))
    assert (await slack_http.post(body, ctype)).status == 200
    await fake_slack.wait_for("response_url", 3)
    assert ran == ["U0ADMIN", "U0BOB"]


async def test_a_click_on_an_unknown_drill_gets_a_private_notice_with_a_way_on(slack_http, fake_slack, app):
    body, ctype = P.interactive(P.button_click("answer:B", "no-such-delivery:B", response_url=fake_slack.response_url()))
    assert (await slack_http.post(body, ctype)).status == 200
    [reply] = await fake_slack.wait_for("response_url")
    assert reply.body["response_type"] == "ephemeral"
    assert "can't find that drill" in reply.body["blocks"][0]["text"]["text"]
    [button] = reply.body["blocks"][-1]["elements"]
    assert button["text"]["text"] == "Drill me now" and button["value"] == "next"
    # …and that button deals a fresh drill to whoever clicks it.
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"], response_url=fake_slack.response_url("next")))
    assert (await slack_http.post(body, ctype)).status == 200
    calls = await fake_slack.wait_for("response_url", 2)
    assert P.answer_buttons(calls[-1].body["blocks"])
    assert await answers(app) == []


async def test_malformed_payloads_do_not_crash_or_write(slack_http, fake_slack, app, caplog):
    caplog.set_level(logging.WARNING)
    not_json = "payload=%7Bthis-is-not-json"
    response = await slack_http.post(not_json, "application/x-www-form-urlencoded")
    assert response.status == 400
    no_user = P.button_click("answer:A", "x:A", response_url=fake_slack.response_url())
    del no_user["user"]
    body, ctype = P.interactive(no_user)
    assert (await slack_http.post(body, ctype)).status == 200
    bad_value = P.button_click("answer:A", "no-colon-here", response_url=fake_slack.response_url("bad"))
    body, ctype = P.interactive(bad_value)
    assert (await slack_http.post(body, ctype)).status == 200
    [stale] = await fake_slack.wait_for("response_url")
    assert "out of date" in stale.body["blocks"][0]["text"]["text"]
    odd = P.interactive(P.button_click("who-knows", "1", response_url=fake_slack.response_url("odd")))
    assert (await slack_http.post(*odd)).status == 200
    await fake_slack.wait_for("response_url", 2)
    event = P.event_json(P.event_callback({"type": "reaction_added", "user": "U0ALICE"}, event_id="Ev0ODD"))
    assert (await slack_http.post(*event)).status == 200
    assert await answers(app) == []
    assert await app.store.get_member("slack:T0SAGA:U0ALICE") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("malformed Slack request" in r.getMessage() for r in warnings)
    assert any("without team or user id" in r.getMessage() for r in warnings)
    assert any("malformed value" in r.getMessage() for r in warnings)
    assert any("unexpected Slack event" in r.getMessage() for r in warnings)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert P.SIGNING_SECRET not in logged and "xoxb-" not in logged


async def test_app_home_shows_altitude_and_a_drill_button_that_dms_a_drill(slack_http, fake_slack, app):
    event = P.event_json(P.event_callback(P.app_home_opened("U0BOB"), event_id="Ev0HOME"))
    assert (await slack_http.post(*event)).status == 200
    [publish] = await fake_slack.wait_for("views.publish")
    assert publish.body["user_id"] == "U0BOB"
    view = publish.body["view"]
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "*[Zero]*" in text and "junior" in text.lower()
    context = " ".join(e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"])
    assert "streak 0 days" in context and "reviews due 0" in context
    [button] = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Drill me now"
    # Slack retries the event (same event_id): no second publish.
    assert (await slack_http.post(*event, retry_num=1)).status == 200
    # The Home tab has no response_url, so the drill arrives by direct message.
    click = P.button_click(button["action_id"], button["value"], response_url=None, user="U0BOB", user_name="bob",
                           from_home=True)
    assert (await slack_http.post(*P.interactive(click))).status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert fake_slack.of("conversations.open")[0].body["users"] == "U0BOB"
    assert post.body["channel"] == "D0BOB" and P.answer_buttons(post.body["blocks"])
    assert len(fake_slack.of("views.publish")) == 1


async def test_a_click_after_the_answer_window_closed_records_nothing(slack_http, fake_slack, app):
    from datetime import timedelta

    drill = app.library.active[0]
    card = await app.engine.deal(drill, kind="channel", platform="slack", space="T0SAGA", channel="C0DRILLS",
                                 closes_at=app.engine.clock.now() + timedelta(hours=8))
    app.engine.clock.advance(hours=9)
    click = P.button_click("answer:A", f"{card.delivery_id}:A", response_url=fake_slack.response_url("late"))
    started = time.monotonic()
    response = await slack_http.post(*P.interactive(click))
    assert response.status == 200 and time.monotonic() - started < 3.0
    [reply] = await fake_slack.wait_for("response_url")
    assert reply.body["response_type"] == "ephemeral" and "window for that drill has closed" in reply.body["blocks"][0]["text"]["text"]
    assert reply.body["blocks"][-1]["elements"][0]["value"] == "next"
    assert await answers(app) == []


async def test_the_events_url_answers_slacks_challenge(slack_http):
    response = await slack_http.post(*P.event_json({"token": "deprecated", "challenge": "c-123", "type": "url_verification"}))
    assert response.status == 200 and await response.json() == {"challenge": "c-123"}


async def test_a_busy_store_is_a_private_notice_in_the_words_every_platform_uses(slack_http, fake_slack, app):
    from bot.messages import BUSY
    from bot.store import StoreBusy

    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[0]

    async def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreBusy("database is locked")

    app.engine.answer = busy  # type: ignore[method-assign]
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                               response_url=fake_slack.response_url("busy")))
    assert (await slack_http.post(body, ctype)).status == 200
    notice = (await fake_slack.wait_for("response_url", 2))[-1]
    assert notice.body["response_type"] == "ephemeral"
    assert BUSY.text in notice.body["blocks"][0]["text"]["text"]
    assert await answers(app) == []


async def test_rejected_requests_log_one_bounded_line_each_without_the_body(slack_http, log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to()
    body, ctype = P.form(P.slash_command("", response_url="https://hooks.slack.com/commands/T0/1/SECRET-RESPONSE-URL"))
    huge = body + "&pad=" + "x" * 1_000_000
    forged = body + "&text=%0A2026-12-01 09:00:00,000 INFO bot.runtime: forged line"
    for payload in [huge] * 20 + [forged, body]:
        assert (await slack_http.post(payload, ctype, secret="not-the-secret")).status == 401
    text = path.read_text()
    lines = [ln for ln in text.splitlines() if "invalid or stale signature" in ln]
    assert len(lines) == 22 and all(len(ln) < 300 for ln in lines)
    assert "1000" in lines[0] and "bytes" in lines[0]
    assert "SECRET-RESPONSE-URL" not in text and "forged line" not in text
    assert path.stat().st_size < 22 * 300


@pytest.mark.parametrize("payload", [
    {"type": "block_actions", "actions": "x"},
    {"type": "block_actions", "actions": [{}]},
    {"type": "block_actions", "actions": [{"action_id": "answer:A"}], "user": "x"},
    {"type": "view_submission", "view": "x"},
])
async def test_a_signed_but_malformed_interaction_gets_400_and_changes_nothing(slack_http, app, payload) -> None:  # type: ignore[no-untyped-def]
    body, ctype = P.interactive(payload)
    response = await slack_http.post(body, ctype)
    assert response.status in (200, 400)  # refused or ignored, never a 500
    assert await answers(app) == []


@pytest.mark.parametrize("event", ["x", {"type": 7}, None])
async def test_a_signed_but_malformed_event_never_gets_a_500(slack_http, event) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    body = _json.dumps({"type": "event_callback", "team_id": "T0SAGA", "event": event, "event_id": "Ev1"})
    response = await slack_http.post(body, "application/json")
    assert response.status in (200, 400)


async def test_an_unsigned_request_with_a_garbage_timestamp_gets_401(slack_http) -> None:  # type: ignore[no-untyped-def]
    body, ctype = P.form(P.slash_command("", response_url="http://127.0.0.1:9/response"))
    for stamp in ("abc", "", "1e999", "-1"):
        response = await slack_http.session.post("/slack/events", data=body, headers={
            "content-type": ctype, "x-slack-request-timestamp": stamp, "x-slack-signature": "v0=00"})
        assert response.status == 401, stamp


async def test_a_replayed_click_on_another_worker_is_acted_on_once(slack_http, fake_slack, app, slack):  # type: ignore[no-untyped-def]
    """Two workers share the database, not their memory: the second sees the first's key there."""
    card = await drill_card(slack_http, fake_slack)
    button = P.answer_buttons(card["blocks"])[0]
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"],
                                               response_url=fake_slack.response_url("click")))
    assert (await slack_http.post(body, ctype)).status == 200
    await fake_slack.wait_for("response_url", 2)
    from adapters.slack_adapter.listeners import RecentKeys

    slack.listeners.recent = RecentKeys()  # forget in memory, as a restarted or another worker would
    assert (await slack_http.post(body, ctype)).status == 200
    assert len(fake_slack.of("response_url")) == 2  # no second private reply
    assert len(await answers(app)) == 1


async def test_a_failed_request_logs_its_traceback_at_debug_but_never_the_body(slack_http, fake_slack, slack, caplog,
                                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def broken(*_: object) -> None:
        raise RuntimeError("the Web API client changed")

    monkeypatch.setattr(slack.sender, "reply_privately", broken)
    body, ctype = P.form(P.slash_command("help", response_url=fake_slack.response_url("SECRET-BODY")))
    seen = asyncio.Event()

    class Waiter(logging.Handler):  # the listener runs after the ack: await its log line, no sleeping
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                seen.set()

    listeners_log = logging.getLogger("adapters.slack_adapter.listeners")
    waiter = Waiter()
    listeners_log.addHandler(waiter)
    try:
        with caplog.at_level(logging.DEBUG, logger="adapters.slack_adapter.listeners"):
            assert (await slack_http.post(body, ctype)).status == 200
            await asyncio.wait_for(seen.wait(), 5)
    finally:
        listeners_log.removeHandler(waiter)
    [failure] = [r for r in caplog.records if r.name == "adapters.slack_adapter.listeners" and r.exc_info]
    assert failure.levelno == logging.DEBUG and "RuntimeError" in caplog.text
    assert all("SECRET-BODY" not in r.getMessage() for r in caplog.records if r.name.startswith("adapters"))
