"""CSV rows for `saga-drills export --what members|drills`, and pseudonyms for opted-out members."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.leaderboard.service import Leaderboards

if TYPE_CHECKING:
    from bot.app import App

MEMBER_COLUMNS = ["member", "display_name", "platform", "space", "opted_out", "altitude", "answers", "right",
                  "accuracy", "first_answer_utc", "last_answer_utc"]
DRILL_COLUMNS = ["drill", "title", "tier", "topics", "retracted", "answers", "members", "right", "accuracy",
                 "most_picked_wrong_option", "misconception", "picked_share"]


# C0 and C1 control characters. A display name is a stranger's text: ESC, BEL or NUL must not
# reach an operator's terminal or a spreadsheet raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A cell a spreadsheet would evaluate as a formula (OWASP "CSV injection"): = + - @, tab, CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every control character shown as an escape (ESC becomes \\x1b); `lines` keeps newlines."""
    return _CONTROL.sub(lambda m: m.group(0) if lines and m.group(0) == "\n" else f"\\x{ord(m.group(0)):02x}", text)


def cell(value: Any) -> Any:
    """A CSV cell that is safe to open in a spreadsheet and to cat in a terminal.

    Text from outside (display names) loses its control characters, and one that a spreadsheet
    would run as a formula gets a leading apostrophe, which spreadsheets show as plain text.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return printable(value)


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
