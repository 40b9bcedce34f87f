""""I guessed" on Discord: the button under a right answer's feedback, private replies, refusals."""

from __future__ import annotations

from tests.discord.steps import immediate, interact, text_of
from tests.discord.test_discord_gateway import ANSWER_ID, deal
from tests.fakes import discord_payloads as D
from tests.store_reads import rows


async def _state(app) -> tuple:  # type: ignore[no-untyped-def]
    return (await rows(app.store, "SELECT * FROM review_cards ORDER BY member_id, family_id"),
            await rows(app.store, "SELECT delivery_id FROM answers WHERE guessed_at IS NOT NULL"))


async def _answer(fake_discord, app, *, right: bool, **who) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    card = await deal(fake_discord, **who)
    ids = D.custom_ids(card)
    delivery = await app.store.get_delivery(ANSWER_ID.fullmatch(ids[0])["delivery"])
    drill = app.library.drills[delivery.drill_id]
    index = next(i for i, o in enumerate(delivery.option_order) if drill.options[o].best == right)
    _, edit = await interact(fake_discord, D.button_click(ids[index], card, **who))
    return delivery.id, edit.response


async def _reply(fake_discord, payload: dict) -> dict:  # type: ignore[no-untyped-def]
    """The private reply to a click: in the callback itself, or in the edit after a deferral."""
    before = len(fake_discord.of("PATCH", r"/webhooks/.*/messages/@original"))
    callback = await immediate(fake_discord, payload)
    if callback.json["type"] == 5:
        edits = await fake_discord.wait_for("PATCH", r"/webhooks/.*/messages/@original", before + 1)
        return edits[-1].response
    return callback.json["data"]


async def test_i_guessed_on_discord_marks_a_right_answer_and_refuses_the_rest(adapter, fake_discord, app):
    wrong_id, wrong = await _answer(fake_discord, app, right=False)
    assert not [i for i in D.custom_ids(wrong) if i.startswith("sd:c:guessed")], "no button under a wrong answer"
    right_id, right = await _answer(fake_discord, app, right=True)
    assert f"sd:c:guessed {right_id}" in D.custom_ids(right)
    before = await _state(app)

    # A message carrying a forged button for the wrong answer (Discord routes a click only to a
    # button the message has: the same custom_id on another message is out of date).
    forged = {**right, "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "I guessed", "custom_id": f"sd:c:guessed {wrong_id}"}]}]}
    for custom_id, message, who, words in (
            (f"sd:c:guessed {wrong_id}", forged, {}, "not right"),
            (f"sd:c:guessed {wrong_id}", right, {}, "out of date"),
            (f"sd:c:guessed {right_id}", right, {"user_id": "1310000000000000099", "name": "eve"}, "not yours")):
        reply = await _reply(fake_discord, D.button_click(custom_id, message, **who))
        assert reply["flags"] & 64 and words in text_of(reply), text_of(reply)
    assert await _state(app) == before

    reply = await _reply(fake_discord, D.button_click(f"sd:c:guessed {right_id}", right))
    assert reply["flags"] & 64 and "Marked as a guess" in text_of(reply)
    cards, guessed = await _state(app)
    assert guessed == [(right_id,)] and cards != before[0]
    reply = await _reply(fake_discord, D.button_click(f"sd:c:guessed {right_id}", right))
    assert "already marked" in text_of(reply) and await _state(app) == (cards, guessed)
