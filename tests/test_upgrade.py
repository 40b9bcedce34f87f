"""A database written by the previous release (crux on the card, 3-option drills, old tags) upgrades whole.

`tests/fixtures/previous-release.db` was seeded through release 610d198's own engine, and
`previous-release.json` holds what that release showed (see make_previous_release_db.py). The
library has since been rewritten (takeaways, 4 options, folded tags, re-tiered drills): every
answer, card and member must survive, held drills stay held, and the report groups the old
answers under the new vocabulary.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from bot.clock import FixedClock
from bot.leaderboard.service import Leaderboards
from bot.messages import MemberRef, StatsView
from bot.runtime import open_app
from bot.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
FACTS = json.loads((FIXTURES / "previous-release.json").read_text())
TABLES = tuple(FACTS["counts"])


def _copy(tmp_path: Path) -> Path:
    db = tmp_path / "saga.db"
    shutil.copyfile(FIXTURES / "previous-release.db", db)
    return db


def _rows(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


async def test_every_answer_card_and_member_survives_and_held_drills_stay_held(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    before = _rows(db)
    assert {t: len(r) for t, r in before.items()} == FACTS["counts"]
    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=str(db)), clock=FixedClock(datetime.fromisoformat(FACTS["at"])))
    try:
        for key, shown in FACTS["members"].items():
            platform, space, user_id = key.split(":")
            view = await app.engine.stats(MemberRef(platform=platform, space=space, user_id=user_id))
            assert isinstance(view, StatsView)
            # Held depends on the cards and the time only; re-tiering moves drills between tiers.
            assert (view.answered, view.correct, sum(t.held for t in view.tiers)) == (
                shown["answered"], shown["correct"], shown["held"]), key
            # Mastery counts families, so the tiers together hold every active family.
            assert sum(t.total for t in view.tiers) == len(app.library.variants_by_family())
    finally:
        await app.close()
    after = _rows(db)
    for table in ("answers", "review_cards", "deliveries", "seasons", "board_option_picks"):
        assert after[table] == before[table], f"{table} changed in the upgrade"
    assert len(after["members"]) == len(before["members"])


async def test_the_report_counts_old_answers_under_the_new_vocabulary(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=str(db)), clock=FixedClock(datetime.fromisoformat(FACTS["at"])))
    try:
        table = await Leaderboards(app).report("slack", "T0DEMO", "all", image=False)
    finally:
        await app.close()
    names = [row[0] for row in table.rows]
    topics = [n.removeprefix("topic · ") for n in names if n.startswith("topic · ")]
    traps = [n.removeprefix("trap · ") for n in names if n.startswith("trap · ")]
    assert topics and set(topics) <= set(app.library.topics), topics
    assert traps and set(traps) <= set(app.library.misconceptions) and not set(traps) & set(app.library.renamed)
    assert " first answers" in table.footer
