"""`/drill leaderboard` and `/drill report` in Slack: the table privately, the PNG in the member's DM with the bot."""

from __future__ import annotations

from bot.leaderboard.service import Leaderboards
from bot.leaderboard.scope import Scope
from bot.messages import MemberRef
from tests.fakes import slack_payloads as P
from tests.fakes.fake_slack import TEAM_ID

PNG = b"\x89PNG\r\n\x1a\n"


async def seed_answers(app) -> None:  # type: ignore[no-untyped-def]
    """Two members answer two channel drills in the fake's workspace, so boards and the report have a picture."""
    for drill in app.library.active[:2]:
        card = await app.engine.deal(drill, kind="channel", platform="slack", space=TEAM_ID, channel="C0DRILLS")
        for user, pick in (("U0ALICE", 0), ("U0BOB", 1)):
            await app.engine.answer(MemberRef(platform="slack", space=TEAM_ID, user_id=user, display_name=user[2:].lower()),
                                    card.delivery_id, card.options[pick].letter)


async def run(slack_http, fake_slack, text: str, *, user: str = "U0ALICE", name: str = "alice"):  # type: ignore[no-untyped-def]
    body, ctype = P.form(P.slash_command(text, response_url=fake_slack.response_url(f"r-{user}"), user=user,
                                         user_name=name))
    assert (await slack_http.post(body, ctype)).status == 200
    [reply] = await fake_slack.wait_for("response_url")
    return reply.body


def said(payload) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for block in payload["blocks"]:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
    return "\n".join(parts)


async def test_the_board_chart_goes_to_the_members_dm_and_the_ephemeral_says_so(slack_http, fake_slack, app) -> None:
    await seed_answers(app)
    reply = await run(slack_http, fake_slack, "leaderboard all")
    assert reply["response_type"] == "ephemeral"
    text = said(reply)
    assert "Leaderboard · All time" in text and "alice" in text and "Chart sent to your DMs with me." in text

    [opened] = fake_slack.of("conversations.open")
    assert opened.body["users"] == "U0ALICE"
    [(file_id, shared)] = fake_slack.files.items()
    assert shared["channel"] == "D0ALICE"  # the member's own DM with the bot, nowhere else
    assert fake_slack.of("chat.postMessage") == []  # nothing went to a channel
    expected = await Leaderboards(app).board(Scope("slack", TEAM_ID), "all", viewer="slack:T0SAGA:U0ALICE")
    assert expected.image is not None
    assert shared["data"] == expected.image.data and shared["data"].startswith(PNG)  # the PNG bytes arrived
    assert shared["filename"] == "leaderboard.png" and shared["alt_txt"] == expected.image.alt
    assert shared["comment"] == "Your chart for “Leaderboard · All time”." and "\n" not in shared["comment"]


async def test_the_leads_report_chart_goes_to_the_leads_dm(slack_http, fake_slack, app) -> None:
    await seed_answers(app)
    reply = await run(slack_http, fake_slack, "report", user="U0ADMIN", name="ada")  # a workspace admin is a lead
    assert reply["response_type"] == "ephemeral" and "Chart sent to your DMs with me." in said(reply)
    [shared] = fake_slack.files.values()
    assert shared["channel"] == "D0ADMIN" and shared["filename"] == "blind-spots.png" and shared["data"].startswith(PNG)


async def test_a_chart_that_cannot_reach_the_dm_still_leaves_the_private_table(slack_http, fake_slack, app) -> None:
    await seed_answers(app)
    fake_slack.fail("files.getUploadURLExternal", status=200, error="missing_scope")
    reply = await run(slack_http, fake_slack, "leaderboard all")
    text = said(reply)
    assert "Leaderboard · All time" in text and "alice" in text
    assert "The chart could not be sent to your DMs just now" in text and "Chart sent" not in text
    assert all(f["channel"] is None for f in fake_slack.files.values())


async def test_an_empty_board_has_no_chart_and_sends_no_dm(slack_http, fake_slack, app) -> None:
    reply = await run(slack_http, fake_slack, "leaderboard")
    assert "No counted answers" in said(reply) and "DMs" not in said(reply)
    assert fake_slack.of("conversations.open") == [] and fake_slack.files == {}


async def test_an_unexpected_upload_failure_still_delivers_the_table_with_a_note(slack_http, fake_slack, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await seed_answers(app)
    sender = app.adapters["slack"].sender

    async def broken_upload(**_: object) -> None:
        raise RuntimeError("files.upload_v2 changed its mind")

    monkeypatch.setattr(sender.client, "files_upload_v2", broken_upload)
    payload = await run(slack_http, fake_slack, "leaderboard all")
    text = said(payload)
    assert "alice" in text and "bob" in text  # the table arrived
    assert "The chart could not be sent to your DMs just now" in text
