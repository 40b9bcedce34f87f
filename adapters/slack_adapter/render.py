"""Render neutral replies as Slack Block Kit payloads; pure functions, no network, no Slack SDK."""

from __future__ import annotations

from typing import Any

from adapters.slack_adapter.blocks import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    clip,
    code_sections,
    context,
    divider,
    escape,
    header,
    limit_problems,
    link,
    text_sections,
)
from bot.messages import (
    NEXT_ACTION,
    Action,
    DrillCard,
    Feedback,
    Level,
    Notice,
    Reply,
    Reveal,
    StatsView,
    Table,
)

__all__ = ["render_payload", "render_home", "limit_problems", "answer_value", "parse_answer_value"]

ANSWER_ACTION = "answer:"  # + letter; the button value carries "<delivery_id>:<letter>"
COMMAND_ACTION = "cmd:"  # + index; the button value is the /drill command to run
FALLBACK_TEXT = 3000  # the notification text; Slack allows far more, people read far less
_ICONS = {"info": "", "warning": ":warning: ", "error": ":x: "}


def answer_value(delivery_id: str, letter: str) -> str:
    return f"{delivery_id}:{letter}"


def parse_answer_value(value: str) -> tuple[str, str] | None:
    """(delivery_id, letter) from an answer button's value, or None when it is not one."""
    delivery_id, sep, letter = (value or "").rpartition(":")
    if not sep or not delivery_id or len(letter) != 1 or not letter.isalpha():
        return None
    return delivery_id, letter.upper()


def render_payload(reply: Reply) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage, chat.postEphemeral or a response_url."""
    if isinstance(reply, DrillCard):
        text, blocks = _card(reply)
    elif isinstance(reply, Feedback):
        text, blocks = _feedback(reply)
    elif isinstance(reply, StatsView):
        text, blocks = _stats(reply)
    elif isinstance(reply, Reveal):
        text, blocks = _reveal(reply)
    elif isinstance(reply, Table):
        text, blocks = _table(reply)
    elif isinstance(reply, Notice):
        text, blocks = _notice(reply)
    else:
        raise TypeError(f"no Slack rendering for {type(reply).__name__}")
    return {"text": escape(clip(text, FALLBACK_TEXT)), "blocks": blocks}


def _action_buttons(items: tuple[Action, ...]) -> list[dict[str, Any]]:
    if not items:
        return []
    return [actions([
        button(a.label, f"{COMMAND_ACTION}{i}", a.command, style=a.style,
               confirm=(a.label, "This cannot be undone.", a.label) if a.style == "danger" else None)
        for i, a in enumerate(items)
    ])]


# -- drill card -------------------------------------------------------------------------------
def _card(card: DrillCard) -> tuple[str, list[dict[str, Any]]]:
    question = text_sections(f"*{escape(card.question)}*")
    options = text_sections("\n".join(f"*{o.letter}.* {escape(o.text)}" for o in card.options))
    around = 1 + len(question) + len(options) + 2  # header … buttons and footer
    blocks: list[dict[str, Any]] = [header(f"{card.header} · {card.title}")]
    # A long snippet is split over several sections; only an absurd one is cut, with a note.
    blocks += code_sections(card.code, max_sections=MAX_MESSAGE_BLOCKS - around)
    blocks += question + options
    blocks.append(actions([button(o.letter, f"{ANSWER_ACTION}{o.letter}", answer_value(card.delivery_id, o.letter))
                           for o in card.options], block_id=f"answers:{card.delivery_id}"))
    if card.footer:
        blocks.append(context(escape(card.footer)))
    return f"{card.header} · {card.title} — {card.question}", blocks


def _italic(text: str) -> str:
    # An underscore inside the text would end the italics early; show it plain then.
    return escape(text) if "_" in text else f"_{escape(text)}_"


# -- feedback ---------------------------------------------------------------------------------
def _feedback(fb: Feedback) -> tuple[str, list[dict[str, Any]]]:
    verdict = ":white_check_mark: *Right.*" if fb.correct else ":x: *Not this time.*"
    blocks = text_sections(f"{verdict}  {escape(fb.title)}")
    if fb.duplicate:
        blocks.append(context("You already answered this one; your first answer is the one that counts."))
    blocks += text_sections(f"*You chose {fb.chosen_letter}.* {escape(fb.chosen_text)}\n{escape(fb.chosen_why)}")
    if not fb.correct:
        blocks += text_sections(f"*Best answer: {fb.best_letter}.* {escape(fb.best_text)}\n{escape(fb.best_why)}")
    blocks += text_sections(f"*Takeaway.* {_italic(fb.takeaway)}\n*Recap.* {escape(fb.recap)}")
    if fb.sources:
        blocks.append(context(*(link(s.url, s.title) for s in fb.sources)))
    days = f"{fb.streak_days} day{'s' if fb.streak_days != 1 else ''}"
    blocks.append(context(f"{escape(fb.altitude_line)} · streak {days}"))
    if fb.next_drill_title:
        blocks += text_sections(f"Continue the climb ↑ *{escape(fb.next_drill_title)}*")
    blocks += _action_buttons((Action(label="Next drill", command="next", style="primary"), *fb.guess_actions))
    verdict_text = "Right" if fb.correct else f"Not this time; best answer {fb.best_letter}"
    return f"{verdict_text}: {fb.title}", blocks


# -- stats and the Home tab -------------------------------------------------------------------
def bar(fraction: float, width: int = 16) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def ladder(level: Level) -> str:
    return " ▸ ".join(f"*[{lv.value}]*" if lv is level else lv.value for lv in Level)


def _stats_blocks(st: StatsView) -> list[dict[str, Any]]:
    tiers = "\n".join(f"{t.tier.capitalize():<7} {bar(t.mastery)} {t.held}/{t.total}" for t in st.tiers)
    facts = [f"streak {st.streak_days} day{'s' if st.streak_days != 1 else ''}",
             f"accuracy {st.accuracy:.0%} of {st.answered}", f"reviews due {st.reviews_due}"]
    if st.paused_until:
        facts.append(f"paused until {st.paused_until}")
    blocks = text_sections(f"{ladder(st.level)}\n{escape(st.progress_line)}")
    if tiers:
        blocks += code_sections(tiers, max_sections=1)
    blocks.append(context(" · ".join(facts)))
    # Stats replies are ephemeral and the Home tab is the member's own: the traps stay private.
    mine = [line for line in (st.traps_line, st.guess_line) if line]
    if mine:
        blocks.append(context(*(escape(line) for line in mine)))
    return blocks


def _stats(st: StatsView) -> tuple[str, list[dict[str, Any]]]:
    blocks = [header(f"{st.display_name} · {st.level.value}"), *_stats_blocks(st), *_action_buttons((NEXT_ACTION,))]
    return f"{st.display_name}: {st.level.value} · {st.progress_line}", blocks


def render_home(st: StatsView) -> dict[str, Any]:
    """The App Home tab for views.publish: altitude, progress line, streak, reviews due, a drill button."""
    blocks = [header("Saga Drills"), *_stats_blocks(st), *_action_buttons((NEXT_ACTION,)), divider(),
              context("A daily code-reading drill about sagas. `/drill` for one now · `/drill help` for everything else.")]
    return {"type": "home", "blocks": blocks}


# -- the channel reveal -----------------------------------------------------------------------
def _reveal(rv: Reveal) -> tuple[str, list[dict[str, Any]]]:
    total = rv.total
    share = [o.count / total if total else 0.0 for o in rv.options]
    chart = "\n".join(f"{o.letter} {bar(f, 12)} {o.count:>3} {f:>4.0%}{'  ✔ best' if o.best else ''}"
                      for o, f in zip(rv.options, share))
    best = next((o for o in rv.options if o.best), None)
    blocks = [header(f"Reveal · {rv.title}"), *text_sections(f"*{total} answer{'s' if total != 1 else ''}* from the team")]
    blocks += code_sections(chart, max_sections=1)
    if best is not None:
        blocks += text_sections(f"*Best answer: {best.letter}.* {escape(best.text)}\n{escape(best.why)}")
    for o in rv.options:
        if not o.best:
            blocks += text_sections(f"*{o.letter}.* {escape(o.text)}\n_Why not:_ {escape(o.why)}")
    if rv.common_trap:
        trap = f" — {escape(rv.common_trap_description)}" if rv.common_trap_description else ""
        blocks += text_sections(f"*Most common trap:* {escape(rv.common_trap)}{trap}")
    blocks += text_sections(f"*Takeaway.* {_italic(rv.takeaway)}\n*Recap.* {escape(rv.recap)}")
    head = f"Reveal: {rv.title} — best answer {best.letter}" if best else f"Reveal: {rv.title}"
    return head, blocks[:MAX_MESSAGE_BLOCKS]


# -- notices and tables -----------------------------------------------------------------------
def _notice(notice: Notice) -> tuple[str, list[dict[str, Any]]]:
    body = escape(notice.text)
    blocks = text_sections(_ICONS[notice.level] + body) + _action_buttons(notice.actions)
    return notice.text, blocks


def table_text(tb: Table) -> str:
    """The table as aligned monospaced lines (the same words as the chart image, for everyone)."""
    rows = [tuple(tb.columns), *(tuple(r[: len(tb.columns)]) for r in tb.rows)]
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(tb.columns))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines)


def _table(tb: Table) -> tuple[str, list[dict[str, Any]]]:
    fixed = 4  # header, footer, buttons, room for the cut note
    blocks = [header(tb.title), *code_sections(table_text(tb), max_sections=MAX_MESSAGE_BLOCKS - fixed)]
    if tb.footer:
        blocks.append(context(escape(tb.footer)))
    blocks += _action_buttons(tb.actions)
    return f"{tb.title} ({len(tb.rows)} row{'s' if len(tb.rows) != 1 else ''})", blocks
