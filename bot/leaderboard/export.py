"""CSV rows for `saga-drills export --what members|drills`, and pseudonyms for opted-out members."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.leaderboard.service import Leaderboards

if TYPE_CHECKING:
    from bot.app import App

MEMBER_COLUMNS = ["member", "display_name", "platform", "space", "opted_out", "altitude", "answers", "right",
                  "accuracy", "first_answer_utc", "last_answer_utc"]
DRILL_COLUMNS = ["drill", "title", "tier", "topics", "retracted", "answers", "members", "right", "accuracy",
                 "most_picked_wrong_option", "misconception", "picked_share"]


def pseudonym(member_id: str, salt: str) -> str:
    """A stable stand-in for a member id: keyed with this database's secret salt, so it can be
    joined across exports of the same database but not reversed by hashing guessed user ids."""
    return "member-" + hmac.new(salt.encode(), member_id.encode(), hashlib.sha256).hexdigest()[:12]


async def privacy(app: App) -> Callable[[str, str], tuple[str, str]]:
    """(member id, display name) -> what an export shows: opted-out members get a pseudonym and no name."""
    boards = Leaderboards(app)
    salt = await boards.store.pseudonym_salt()
    hidden = {m["id"] for m in await boards.store.member_figures() if m["opted_out"]}

    def show(member_id: str, name: str) -> tuple[str, str]:
        return (pseudonym(member_id, salt), "") if member_id in hidden else (member_id, name)

    return show


def _utc(text: str | None) -> str:
    return text[:19] + "Z" if text else ""


async def member_rows(app: App) -> list[list[Any]]:
    boards = Leaderboards(app)
    salt = await boards.store.pseudonym_salt()
    members = await boards.store.member_figures()
    levels = await boards.levels({m["id"] for m in members})
    rows = []
    for m in members:
        hidden = bool(m["opted_out"])
        answers, right = int(m["answers"]), int(m["correct"])
        rows.append([
            pseudonym(m["id"], salt) if hidden else m["id"], "" if hidden else m["display_name"], m["platform"],
            m["space"], "yes" if hidden else "no", levels[m["id"]].value, answers, right,
            f"{right / answers:.3f}" if answers else "", _utc(m["first"]), _utc(m["last"]),
        ])
    return rows


async def drill_rows(app: App) -> list[list[Any]]:
    """Per drill over every workspace: first answers, people, accuracy, and the trap picked most."""
    boards = Leaderboards(app)
    await boards.refresh()
    counts = await boards.store.drill_people_counts()
    picks = await boards.store.all_option_picks()
    rows = []
    for drill in sorted(app.library.drills.values(), key=lambda d: (d.tier.rank, d.id)):
        answers, right, people = counts.get(drill.id, (0, 0, 0))
        wrong = [(picks.get((drill.id, i), 0), i) for i, o in enumerate(drill.options) if not o.best]
        top, index = max(wrong, default=(0, -1))
        option = drill.options[index] if top else None
        rows.append([
            drill.id, drill.title, drill.tier.value, " ".join(drill.topics), "yes" if drill.retracted else "no",
            answers, people, right, f"{right / answers:.3f}" if answers else "",
            option.text if option else "", option.misconception if option else "", f"{top / answers:.3f}" if top else "",
        ])
    return rows
