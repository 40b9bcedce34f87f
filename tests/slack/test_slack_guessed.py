""""I guessed" on Slack: the button under a right answer's feedback, and every way to misuse it."""

from __future__ import annotations

from tests.fakes import slack_payloads as P
from tests.slack.test_slack_http import drill_card
from tests.store_reads import rows


async def _guessed(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    return await rows(app.store, "SELECT delivery_id, member_id FROM answers WHERE guessed_at IS NOT NULL")


async def _cards(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    return await rows(app.store, "SELECT * FROM review_cards ORDER BY member_id, family_id")


async def _answer(slack_http, fake_slack, app, *, right: bool, key: str, user: str = "U0ALICE") -> dict:  # type: ignore[no-untyped-def]
    """Deal a card to `user`, click the right (or a wrong) option; the feedback as received."""
    card = await drill_card(slack_http, fake_slack, key=f"{key}-card", user=user, name=user.lower())
    buttons = P.answer_buttons(card["blocks"])
    delivery_id = buttons[0]["value"].rpartition(":")[0]
    delivery = await app.store.get_delivery(delivery_id)
    drill = app.library.drills[delivery.drill_id]
    index = next(i for i, o in enumerate(delivery.option_order) if drill.options[o].best == right)
    return await _click(slack_http, fake_slack, buttons[index], key=key, user=user)


async def _click(slack_http, fake_slack, button: dict, *, key: str, user: str = "U0ALICE") -> dict:  # type: ignore[no-untyped-def]
    before = len(fake_slack.of("response_url"))
    body, ctype = P.interactive(P.button_click(button["action_id"], button["value"], user=user,
                                               response_url=fake_slack.response_url(key)))
    assert (await slack_http.post(body, ctype)).status == 200
    return (await fake_slack.wait_for("response_url", before + 1))[-1].body


def _guess_button(feedback: dict) -> dict | None:
    found = [el for b in feedback["blocks"] if b.get("type") == "actions" for el in b["elements"]
             if el.get("value", "").startswith("guessed ")]
    return found[0] if found else None


def _text(reply: dict) -> str:
    return " ".join(b["text"]["text"] for b in reply["blocks"] if b.get("type") == "section")


async def test_i_guessed_under_a_right_answer_marks_it_once_and_privately(slack_http, fake_slack, app):
    feedback = await _answer(slack_http, fake_slack, app, right=True, key="right")
    button = _guess_button(feedback)
    assert button is not None and button["text"]["text"] == "I guessed"
    cards = await _cards(app)
    reply = await _click(slack_http, fake_slack, button, key="guess")
    assert reply["response_type"] == "ephemeral" and "Marked as a guess" in _text(reply)
    delivery_id = button["value"].split()[1]
    assert (await _guessed(app)) == [(delivery_id, "slack:T0SAGA:U0ALICE")]
    assert (await _cards(app)) != cards, "the family's card was graded again"

    graded = await _cards(app)
    again = await _click(slack_http, fake_slack, button, key="guess-again")
    assert again["response_type"] == "ephemeral" and "already marked" in _text(again)
    assert (await _cards(app)) == graded and len(await _guessed(app)) == 1


async def test_i_guessed_is_refused_on_a_wrong_answer_and_on_someone_elses_feedback(slack_http, fake_slack, app):
    wrong = await _answer(slack_http, fake_slack, app, right=False, key="wrong")
    assert _guess_button(wrong) is None, "no button under a wrong answer"
    right = await _answer(slack_http, fake_slack, app, right=True, key="right")
    button = _guess_button(right)
    wrong_delivery = next(r.delivery_id for r in await app.store.answer_history("slack:T0SAGA:U0ALICE") if not r.correct)
    forged = {**button, "value": f"guessed {wrong_delivery}"}
    cards = await _cards(app)

    reply = await _click(slack_http, fake_slack, forged, key="forged")
    assert reply["response_type"] == "ephemeral" and "not right" in _text(reply) and "nothing was changed" in _text(reply)
    reply = await _click(slack_http, fake_slack, button, key="bob", user="U0BOB")
    assert reply["response_type"] == "ephemeral" and "not yours" in _text(reply)
    reply = await _click(slack_http, fake_slack, {**button, "value": "guessed nosuchdelivery"}, key="unknown")
    assert "not yours" in _text(reply)
    assert (await _cards(app)) == cards and (await _guessed(app)) == []
