"""Boards and reports as neutral `Table`s (the adapters render them, PNG and buttons included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.content.loader import Library
from bot.leaderboard.report import BlindSpotReport
from bot.leaderboard.scoring import REVIEW_POINTS, TIER_WEIGHTS, Ranked
from bot.messages import Action, Image, Level, Table, counted

BOARD_COLUMNS = ("#", "member", "altitude", "score", "right", "accuracy", "reviews")
REPORT_COLUMNS = ("blind spot", "accuracy", "answers", "members", "most-picked wrong answer", "run next")
NAME_WIDTH = 24
OPTION_WIDTH = 44


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def scoring_line(on_demand_per_day: int) -> str:
    weights = " · ".join(f"{t.value} {w}" for t, w in TIER_WEIGHTS.items())
    return (f"Score: right first answers × tier ({weights}) + {REVIEW_POINTS} per review passed; ties by accuracy. "
            f"On-demand drills count {on_demand_per_day} a day.")


def board_row(entry: Ranked, level: Level, *, you: bool = False) -> tuple[str, ...]:
    row = entry.row
    name = clip(row.name, NAME_WIDTH) + (" (you)" if you else "")
    return (str(entry.rank), name, level.value, str(row.points), str(row.correct), percent(row.accuracy), str(row.reviews))


def board_table(title: str, shown: Sequence[Ranked], levels: Mapping[str, Level], *, ranked_count: int,
                viewer: Ranked | None, viewer_note: str, on_demand_per_day: int,
                image: Image | None = None, actions: tuple[Action, ...] = ()) -> Table:
    """The top rows; the viewer's own row follows after a gap when they rank below them."""
    viewer_id = viewer.row.member_id if viewer else None
    rows = [board_row(e, levels.get(e.row.member_id, Level.zero), you=e.row.member_id == viewer_id) for e in shown]
    if viewer is not None and all(e.row.member_id != viewer_id for e in shown):
        rows.append(("…",) + ("",) * (len(BOARD_COLUMNS) - 1))
        rows.append(board_row(viewer, levels.get(viewer.row.member_id, Level.zero), you=True))
    lines = [f"{ranked_count} member{'s' if ranked_count != 1 else ''} ranked · opted-out members are hidden"
             if ranked_count else "No counted answers in this period yet: `/drill` deals one."]
    if viewer_note:
        lines.append(viewer_note)
    lines.append(scoring_line(on_demand_per_day))
    return Table(title=title, columns=BOARD_COLUMNS, rows=tuple(rows), footer="\n".join(lines), image=image, actions=actions)


def report_table(title: str, report: BlindSpotReport, library: Library, *, top: int, image: Image | None = None) -> Table:
    """The weakest topics, then the traps that catch the team most, with descriptions in the footer."""
    rows: list[tuple[str, ...]] = []
    for area in (*report.topics[:top], *report.traps[:top]):
        worst = ""
        if area.worst is not None:
            worst = f"“{clip(area.worst.text, OPTION_WIDTH)}” → {area.worst.misconception} ({percent(area.worst.share)})"
        accuracy = percent(area.accuracy) + (f" · fell {percent(area.pick_rate)}" if area.kind == "trap" else "")
        rows.append((f"{area.kind} · {area.name}", accuracy, str(area.answers), str(area.members), worst,
                     ", ".join(d.id for d in area.run_next)))
    lines: list[str] = []
    if not report.answers:
        lines.append("No answers in this period yet, so no blind spots to show.")
    else:
        more = len(report.topics) - min(top, len(report.topics))
        lines.append(f"{counted(report.answers, 'first answer')} · weakest {min(top, len(report.topics))} of "
                     f"{counted(len(report.topics), 'topic')}"
                     + (f" ({more} more in `saga-drills report --top {len(report.topics)}`)" if more > 0 else "")
                     + f" · {counted(min(top, len(report.traps)), 'trap')} that catch the team most")
    if report.unattempted_topics:
        names = ", ".join(report.unattempted_topics[:8]) + (" …" if len(report.unattempted_topics) > 8 else "")
        lines.append(f"Never attempted ({counted(len(report.unattempted_topics), 'topic')}): {names}")
    tags = dict.fromkeys(a.worst.misconception for a in (*report.topics[:top], *report.traps[:top]) if a.worst)
    for tag in tags:
        found = library.misconceptions.get(tag)
        if found is not None:
            lines.append(f"• {tag}: {found.description}")
    lines.append("Run next: lowest accuracy first (a drill nobody answered counts as a coin flip); for traps, "
                 "the drills where the trap catches most people. Members include anonymized ones.")
    return Table(title=title, columns=REPORT_COLUMNS, rows=tuple(rows), footer="\n".join(lines), image=image)
