"""Render neutral replies for a terminal with rich: syntax-highlighted snippets, bars, tables."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table as RichTable
from rich.text import Text

from bot.messages import DrillCard, Feedback, Level, Notice, Reply, Reveal, StatsView, Table

# rich's lexer names for the languages drills use; anything else falls back to plain text.
_LEXERS = {"go": "go", "python": "python", "java": "java", "typescript": "typescript", "ts": "typescript",
           "sql": "sql", "yaml": "yaml", "json": "json", "javascript": "javascript", "csharp": "csharp"}


def bar(fraction: float, width: int = 20) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def ladder(level: Level) -> str:
    return " ▸ ".join(f"[{lv.value}]" if lv is level else lv.value for lv in Level)


def render(reply: Reply) -> RenderableType:
    """A rich renderable for any neutral reply."""
    if isinstance(reply, DrillCard):
        return _card(reply)
    if isinstance(reply, Feedback):
        return _feedback(reply)
    if isinstance(reply, StatsView):
        return _stats(reply)
    if isinstance(reply, Reveal):
        return _reveal(reply)
    if isinstance(reply, Table):
        return _table(reply)
    if isinstance(reply, Notice):
        style = {"info": "", "warning": "yellow", "error": "bold red"}[reply.level]
        text = Text(reply.text, style=style)
        if reply.actions:
            text.append("\n" + "   ".join(f"[{a.label}: type `{a.command}`]" for a in reply.actions), style="dim")
        return text
    raise TypeError(f"no console rendering for {type(reply).__name__}")


def _card(card: DrillCard) -> RenderableType:
    code = Syntax(card.code, _LEXERS.get(card.language, "text"), line_numbers=True, word_wrap=True, theme="ansi_dark")
    # A grid, so a long option wraps under its own text instead of under the letter.
    options = RichTable.grid(padding=(0, 1))
    options.add_column(style="bold cyan", no_wrap=True)
    options.add_column()
    for opt in card.options:
        options.add_row(f"  {opt.letter})", opt.text)
    body = Group(
        code, Text(""), Text(card.question, style="bold"), Text(""), options, Text(""),
        Text(f"Answer with a letter ({card.options[0].letter}–{card.options[-1].letter}) · {card.footer}", style="dim"),
    )
    return Panel(body, title=f"{card.header} · {card.title}", title_align="left")


def _feedback(fb: Feedback) -> RenderableType:
    head = Text("✔ Right." if fb.correct else "✘ Not this time.", style="bold green" if fb.correct else "bold red")
    if fb.duplicate:
        head.append("  (you already answered this one; your first answer counts)", style="dim")
    parts: list[RenderableType] = [head, Text(f"You chose {fb.chosen_letter}) {fb.chosen_text}"), Text(fb.chosen_why, style="dim"), Text("")]
    if not fb.correct:
        parts += [Text(f"Best answer: {fb.best_letter}) {fb.best_text}", style="bold"), Text(fb.best_why, style="dim"), Text("")]
    parts += [Text("Takeaway: ", style="bold") + Text(fb.takeaway, style="italic"),
              Text("Recap: ", style="bold") + Text(fb.recap), Text("")]
    parts += [Text(f"• {s.title} — {s.url}", style="dim") for s in fb.sources]
    parts += [Text(""), Text(f"{fb.altitude_line} · streak {fb.streak_days} day{'s' if fb.streak_days != 1 else ''}")]
    if fb.next_drill_title:
        parts.append(Text(f"Continue the climb ↑ {fb.next_drill_title} — type `next`", style="cyan"))
    if fb.guess_command:
        parts.append(Text("A guess? Type `guessed`: it comes back sooner (it still counts as right).", style="dim"))
    return Panel(Group(*parts), title=fb.title, title_align="left", border_style="green" if fb.correct else "red")


def _stats(st: StatsView) -> RenderableType:
    rows = [Text(ladder(st.level), style="bold"), Text(st.progress_line), Text("")]
    for t in st.tiers:
        rows.append(Text(f"{t.tier:<7} {bar(t.mastery)} {t.held}/{t.total}"))
    rows += [Text(""), Text(f"streak {st.streak_days} · accuracy {st.accuracy:.0%} of {st.answered} · reviews due {st.reviews_due}")]
    if st.traps_line:
        rows.append(Text(st.traps_line, style="yellow"))
    if st.guess_line:
        rows.append(Text(st.guess_line, style="dim"))
    if st.paused_until:
        rows.append(Text(f"paused until {st.paused_until}", style="yellow"))
    return Panel(Group(*rows), title=f"{st.display_name} · {st.level.value}", title_align="left")


def _reveal(rv: Reveal) -> RenderableType:
    total = rv.total or 1
    rows: list[RenderableType] = [Text(f"{rv.total} answer{'s' if rv.total != 1 else ''}")]
    for o in rv.options:
        mark = " ✔" if o.best else ""
        rows.append(Text(f"{o.letter} {bar(o.count / total, 12)} {o.count}{mark}"))
    best = next(o for o in rv.options if o.best)
    rows += [Text(""), Text(f"Best answer: {best.letter}) {best.text}", style="bold"), Text(best.why)]
    for o in rv.options:
        if not o.best:
            rows.append(Text(f"{o.letter}) {o.text} — {o.why}", style="dim"))
    if rv.common_trap:
        rows.append(Text(f"Most common trap: {rv.common_trap} — {rv.common_trap_description or ''}"))
    rows += [Text(""), Text("Takeaway: ", style="bold") + Text(rv.takeaway, style="italic"), Text("Recap: ", style="bold") + Text(rv.recap)]
    return Panel(Group(*rows), title=f"Reveal · {rv.title}", title_align="left")


def _table(tb: Table) -> RenderableType:
    table = RichTable(title=tb.title, caption=tb.footer or None)
    for col in tb.columns:
        table.add_column(col)
    for row in tb.rows:
        table.add_row(*row)
    return table


def render_text(reply: Reply, *, width: int = 100) -> str:
    """Plain text of a reply as the console shows it (no colour codes)."""
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(render(reply))
    return buf.getvalue()
