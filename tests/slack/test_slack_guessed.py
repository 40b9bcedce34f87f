""""I guessed" on Slack: the button under a right answer's feedback, and every way to misuse it."""

from __future__ import annotations

import sqlite3

from tests.fakes import slack_payloads as P
from tests.slack.test_slack_http import drill_card


def _guessed(db_path) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT delivery_id, member_id FROM answers WHERE guessed_at IS NOT NULL").fetchall()


def _cards(db_path) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT * FROM review_cards ORDER BY member_id, family_id").fetchall()


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


async def test_i_guessed_under_a_right_answer_marks_it_once_and_privately(slack_http, fake_slack, app, db_path):
    feedback = await _answer(slack_http, fake_slack, app, right=True, key="right")
    button = _guess_button(feedback)
    assert button is not None and button["text"]["text"] == "I guessed"
    cards = _cards(db_path)
    reply = await _click(slack_http, fake_slack, button, key="guess")
    assert reply["response_type"] == "ephemeral" and "Marked as a guess" in _text(reply)
    delivery_id = button["value"].split()[1]
    assert _guessed(db_path) == [(delivery_id, "slack:T0SAGA:U0ALICE")]
    assert _cards(db_path) != cards, "the family's card was graded again"

    graded = _cards(db_path)
    again = await _click(slack_http, fake_slack, button, key="guess-again")
    assert again["response_type"] == "ephemeral" and "already marked" in _text(again)
    assert _cards(db_path) == graded and len(_guessed(db_path)) == 1


async def test_i_guessed_is_refused_on_a_wrong_answer_and_on_someone_elses_feedback(slack_http, fake_slack, app, db_path):
    wrong = await _answer(slack_http, fake_slack, app, right=False, key="wrong")
    assert _guess_button(wrong) is None, "no button under a wrong answer"
    right = await _answer(slack_http, fake_slack, app, right=True, key="right")
    button = _guess_button(right)
    wrong_delivery = next(r.delivery_id for r in await app.store.answer_history("slack:T0SAGA:U0ALICE") if not r.correct)
    forged = {**button, "value": f"guessed {wrong_delivery}"}
    cards = _cards(db_path)

    reply = await _click(slack_http, fake_slack, forged, key="forged")
    assert reply["response_type"] == "ephemeral" and "not right" in _text(reply) and "nothing was changed" in _text(reply)
    reply = await _click(slack_http, fake_slack, button, key="bob", user="U0BOB")
    assert reply["response_type"] == "ephemeral" and "not yours" in _text(reply)
    reply = await _click(slack_http, fake_slack, {**button, "value": "guessed nosuchdelivery"}, key="unknown")
    assert "not yours" in _text(reply)
    assert _cards(db_path) == cards and _guessed(db_path) == []
