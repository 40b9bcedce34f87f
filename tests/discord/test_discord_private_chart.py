"""`/drill leaderboard` and `/drill report` on Discord: the PNG rides on the ephemeral reply itself.

Discord lets a deferred ephemeral response carry attachments (PATCH …/messages/@original with a
multipart body), so, unlike Slack, nothing has to go by DM: only the member sees the chart.
"""

from __future__ import annotations

from bot.leaderboard.service import Leaderboards
from bot.leaderboard.scope import Scope
from bot.messages import MemberRef
from tests.discord.steps import interact, text_of
from tests.fakes import discord_payloads as D

PNG = b"\x89PNG\r\n\x1a\n"


async def seed_answers(app) -> None:  # type: ignore[no-untyped-def]
    for drill in app.library.active[:2]:
        card = await app.engine.deal(drill, kind="channel", platform="discord", space=D.GUILD_ID, channel=D.CHANNEL_ID)
        for user, pick in ((D.MEMBER_ID, 0), (D.LEAD_ID, 1)):
            await app.engine.answer(MemberRef(platform="discord", space=D.GUILD_ID, user_id=user, display_name=f"u{user[-1]}"),
                                    card.delivery_id, card.options[pick].letter)


async def test_the_board_png_is_attached_to_the_ephemeral_reply(adapter, fake_discord, app) -> None:
    await seed_answers(app)
    callback, edit = await interact(fake_discord, D.slash_command("leaderboard", [{"name": "period", "type": 3, "value": "all"}]))
    assert callback.json == {"type": 5, "data": {"flags": 64}}  # deferred as ephemeral
    assert edit.response["flags"] & 64  # the reply with the chart is still only the member's
    [(filename, data)] = edit.files.values()
    expected = await Leaderboards(app).board(Scope("discord", D.GUILD_ID), "all",
                                             viewer=f"discord:{D.GUILD_ID}:{D.MEMBER_ID}")
    assert filename == "leaderboard.png" and data.startswith(PNG) and data == expected.image.data
    assert edit.json["attachments"] == [{"id": 0, "filename": "leaderboard.png", "description": expected.image.alt}]
    assert {"url": "attachment://leaderboard.png"} in [e.get("image") for e in edit.json["embeds"]]
    assert "Leaderboard · All time" in text_of(edit.response)
    assert [a["filename"] for a in edit.response["attachments"]] == ["leaderboard.png"]
    assert fake_discord.of("POST", r"/channels/\d+/messages") == [] and fake_discord.dm_channels == {}  # nowhere else


async def test_the_report_png_reaches_a_lead_privately(adapter, fake_discord, app) -> None:
    await seed_answers(app)
    _, edit = await interact(fake_discord, D.slash_command("report", user_id=D.LEAD_ID, name="lead",
                                                           permissions=D.VIEW_AND_SEND | D.MANAGE_GUILD))
    assert edit.response["flags"] & 64
    [(filename, data)] = edit.files.values()
    assert filename == "blind-spots.png" and data.startswith(PNG)


async def test_report_and_season_start_are_refused_to_members(adapter, fake_discord, app) -> None:
    await seed_answers(app)
    _, report = await interact(fake_discord, D.slash_command("report"))
    _, season = await interact(fake_discord, D.slash_command("season", [{"name": "args", "type": 3, "value": 'start "Q1"'}]))
    assert "Only leads" in str(report.response) and "Only leads" in str(season.response)
    assert not report.files
    _, listing = await interact(fake_discord, D.slash_command("season", [{"name": "args", "type": 3, "value": "list"}]))
    assert "Only leads" not in str(listing.response)
