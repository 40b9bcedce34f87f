"""A database written by the previous release (crux on the card, 3-option drills, old tags) upgrades whole.

`tests/fixtures/previous-release.db` was seeded through release 610d198's own engine, and
`previous-release.json` holds what that release showed (see make_previous_release_db.py). The
library has since been rewritten (takeaways, 4 options, folded tags, re-tiered drills): every
answer, card and member must survive, held drills stay held, and the report groups the old
answers under the new vocabulary.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import srs
from bot.cli.core_cmds import EXPORT_COLUMNS
from bot.clock import FixedClock, parse_iso
from bot.leaderboard.service import Leaderboards
from bot.messages import MemberRef, StatsView
from bot.runtime import open_app
from bot.settings import Settings
from bot.store import CardState

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


def _old_cards(rows: list[tuple]) -> list[CardState]:
    """The previous release's review_cards rows (one per member x drill) as CardStates."""
    return [CardState(member_id=r[0], family_id=r[1], state=r[2], step=r[3], stability=r[4], difficulty=r[5],
                      due=parse_iso(r[6]), last_review=parse_iso(r[7]) if r[7] else None, last_correct=bool(r[8]),
                      reviews=r[9], lapses=r[10], drill_id=r[1]) for r in rows]


def _add_sibling_cards(db: Path) -> None:
    """Give two members an older card of a sibling variant too (today's families group drills the
    previous release kept apart), so the fold has cards to merge: a week-older review that lapsed."""
    from bot.content.loader import builtin_pack, load_library

    library = load_library([builtin_pack()])
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM review_cards ORDER BY member_id, drill_id").fetchall()
        added, members = 0, set()
        for row in rows:
            drill = library.get(row[1])
            siblings = [d.id for d in library.variants(drill.family_id) if d.id != drill.id] if drill else []
            if not siblings or row[0] in members or not row[7]:
                continue
            older = (parse_iso(row[7]) - timedelta(days=7)).isoformat()
            conn.execute("INSERT INTO review_cards VALUES (?, ?, 2, NULL, 1.5, 6.0, ?, ?, 0, 3, 1)",
                         (row[0], siblings[0], older, older))
            members.add(row[0])
            added += 1
            if added == 2:
                break
        assert added == 2


@pytest.mark.sqlite_only("the previous release's upgrade fixture is an SQLite file")
async def test_every_answer_and_member_survives_and_cards_fold_into_family_cards(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    assert {t: len(r) for t, r in _rows(db).items()} == FACTS["counts"]
    at = datetime.fromisoformat(FACTS["at"])
    _add_sibling_cards(db)
    before = _rows(db)
    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=str(db)), clock=FixedClock(at))
    try:
        library = app.library
        # What the fold must give: per member x family, the latest review's state, reviews and lapses summed.
        groups: dict[tuple[str, str], list[CardState]] = {}
        for card in _old_cards(before["review_cards"]):
            groups.setdefault((card.member_id, library.family_of(card.family_id)), []).append(card)
        assert any(len(g) > 1 for g in groups.values()), "the fixture has members with two drills of one family"
        folded = {c.member_id + "|" + c.family_id: c
                  for m in {k[0] for k in groups} for c in await app.store.cards_for(m)}
        assert len(folded) == len(groups)
        for (member, family), cards in groups.items():
            latest = max(cards, key=lambda c: c.last_review)
            card = folded[f"{member}|{family}"]
            assert (card.state, card.stability, card.difficulty, card.due, card.last_review, card.last_correct) == (
                latest.state, latest.stability, latest.difficulty, latest.due, latest.last_review, latest.last_correct)
            assert (card.reviews, card.lapses) == (sum(c.reviews for c in cards), sum(c.lapses for c in cards))
        for key, shown in FACTS["members"].items():
            platform, space, user_id = key.split(":")
            view = await app.engine.stats(MemberRef(platform=platform, space=space, user_id=user_id))
            assert isinstance(view, StatsView)
            # Altitude is recomputed over families: a family holds when its folded card does.
            held = sum(1 for (member, family), cards in groups.items() if member == key and library.variants(family)
                       and srs.holds(folded[f"{member}|{family}"], at, min_retrievability=app.settings.hold_retrievability))
            assert (view.answered, view.correct, sum(t.held for t in view.tiers)) == (
                shown["answered"], shown["correct"], held), key
            # Mastery counts families, so the tiers together hold every active family.
            assert sum(t.total for t in view.tiers) == len(library.variants_by_family())
        exported = [row async for row in app.store.export_answers()]
    finally:
        await app.close()
    after = _rows(db)
    assert len(after["answers"]) == len(before["answers"]) == len(exported), "every answer kept"
    # Every answer kept as it was: the new column (guessed_at) is empty on old answers.
    assert [r[:-1] for r in after["answers"]] == before["answers"] and {r[-1] for r in after["answers"]} == {None}
    for table in ("deliveries", "seasons", "board_option_picks"):
        assert after[table] == before[table], f"{table} changed in the upgrade"
    assert len(after["members"]) == len(before["members"])
    # A second start folds nothing more: the fold is idempotent.
    app = await open_app(Settings(_env_file=None, SAGA_DRILLS_DB=str(db)), clock=FixedClock(at))
    await app.close()
    assert _rows(db)["review_cards"] == after["review_cards"]


def test_export_keeps_its_shape_after_the_upgrade(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGA_DRILLS_", "SLACK_", "DISCORD_"))}
    done = subprocess.run([sys.executable, "-m", "bot", "export", "--format", "csv"], capture_output=True, text=True,
                          env={**env, "SAGA_DRILLS_DB": str(db)}, cwd=tmp_path, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == EXPORT_COLUMNS and len(rows) - 1 == FACTS["counts"]["answers"]


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
