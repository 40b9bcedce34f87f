"""wire.py and the click parse: the JSON the bot sends is discord.py's own, and a click is parsed with a slim message."""

from __future__ import annotations

import discord
import pytest
from discord.http import handle_message_parameters

from adapters.discord_adapter.render import render_message
from adapters.discord_adapter.views import edit_kwargs
from adapters.discord_adapter.wire import edit_body
from bot.messages import Action, Notice, StatsView, Level, TierProgress
from tests.discord.test_discord_render import SHIPPED, card, card_for, feedback

MENTIONS = discord.AllowedMentions.none()
REPLIES = {
    "feedback, wrong": feedback(),
    "feedback, right with 'I guessed'": feedback(correct=True, guess_command="guessed AbCdEfGhIjKl"),
    "feedback in embeds": feedback(recap="Recap paragraph. " * 400),
    "card": card_for(sorted(SHIPPED.drills)[0]),
    "card in embeds": card("x = 1\n" * 400),
    "notice with styled buttons": Notice(text="Welcome back", level="warning", actions=(
        Action(label="Drill me now", command="next", style="primary"),
        Action(label="Delete my data", command="forget-me confirm", style="danger"))),
    "stats with a title": StatsView(display_name="Ada", level=Level.junior, progress_line="2 of 7 held",
                                    tiers=(TierProgress(tier="junior", held=5, total=8),), streak_days=4,
                                    answered=10, correct=8, reviews_due=2),
}


def discord_py_body(message, allowed_mentions):
    with handle_message_parameters(**edit_kwargs(message), previous_allowed_mentions=allowed_mentions) as params:
        assert not params.files
        return params.payload


@pytest.mark.parametrize("name", sorted(REPLIES))
@pytest.mark.parametrize("space", [None, "1310000000000000002"])
def test_the_body_is_discord_py_s_own(name, space):
    message = render_message(REPLIES[name], space=space)
    assert edit_body(message, MENTIONS) == discord_py_body(message, MENTIONS)


def test_no_client_mentions_setting_leaves_the_key_out_as_discord_py_does():
    message = render_message(feedback())
    assert edit_body(message, None) == discord_py_body(message, None)
    assert "allowed_mentions" not in edit_body(message, None)


def test_an_unroutable_button_or_a_file_is_refused():
    message = render_message(Notice(text="x", actions=(Action(label="Go", command="next"),)))
    message.payload["components"][0]["components"][0]["custom_id"] = "someone-else:1"
    with pytest.raises(ValueError, match="matches no persistent item"):
        edit_body(message, MENTIONS)
    with pytest.raises(ValueError, match="multipart"):
        edit_body(render_message(card("x = 1\n" * 3000)), MENTIONS)


def test_a_click_on_the_bot_s_button_is_parsed_with_the_message_cut_to_what_the_bot_reads():
    from adapters.discord_adapter.client import _slim_click
    from tests.fakes import discord_payloads as D

    card = D.message(content="**Middle**\n```go\nx := 1\n```", channel_id=D.CHANNEL_ID,
                     embeds=[{"description": "code", "color": 1}], attachments=[],
                     components=[{"type": 1, "components": [{"type": 2, "style": 2, "label": "A",
                                                             "custom_id": "sd:a:AbCdEfGhIjKl:A"}]}])
    click = D.button_click("sd:a:AbCdEfGhIjKl:A", card)
    slim = _slim_click(click)
    assert slim["message"] == {"id": card["id"], "channel_id": card["channel_id"], "type": card["type"],
                               "flags": card["flags"], "components": card["components"], "content": ""}
    assert click["message"] is card and card["embeds"]  # the frame itself is left as it came
    assert {k: v for k, v in slim.items() if k != "message"} == {k: v for k, v in click.items() if k != "message"}
    other_app = D.button_click("someone-else:1", card)
    assert _slim_click(other_app) is other_app
    command = D.slash_command("next")
    assert _slim_click(command) is command
