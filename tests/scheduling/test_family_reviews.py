"""Review DMs deal a sibling: the family's card falls due, the DM shows a variant not seen yet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.scheduling.conftest import tick_at
from tests.scheduling.test_reviews import MON, SUN, dms_to, member, miss
from tests.test_families import FAMILIES, write_family_pack


@pytest.fixture
def pack(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "family-pack"
    write_family_pack(folder)
    return folder


async def test_a_missed_drill_comes_back_by_dm_as_a_sibling_and_its_answer_advances_the_family(app, service, clock, slack) -> None:
    alice = member("Ualice")
    await miss(app, clock, alice, "a1", SUN.replace(hour=6))
    await miss(app, clock, alice, "b1", SUN.replace(hour=7))
    await tick_at(service, clock, MON.replace(hour=12))  # the default review time (09:00 UTC) has passed
    dms = dms_to(slack, "Ualice")
    assert len(dms) == 2
    by_family = {app.library.drills[d.drill_id].family_id: d for d in dms}
    assert set(by_family) == {"fam-a", "fam-b"}
    assert by_family["fam-a"].drill_id in FAMILIES["fam-a"]["variants"] and by_family["fam-a"].drill_id != "a1"
    assert by_family["fam-b"].drill_id == "b2", "the only sibling not seen"
    assert all(d.delivery_kind == "review" for d in dms)

    best = next(o.letter for o in by_family["fam-b"].options if o.text.endswith("best fix"))
    await app.engine.answer(alice, by_family["fam-b"].delivery_id, best)
    card = next(c for c in await app.store.cards_for(alice.key) if c.family_id == "fam-b")
    assert (card.drill_id, card.reviews, card.last_correct) == ("b2", 2, True)
    assert card.due > clock.now() + timedelta(days=1), "a right review pushes the family out"
