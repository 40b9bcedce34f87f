"""Render neutral replies as Discord message payloads (plain dicts) and check them against Discord's limits.

Pure and import-light on purpose: `saga-drills drills render --platform discord` and `drills check`
call it for every drill without a network or discord.py. The adapter turns the payload into
discord.py objects (adapters/discord_views.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.discord_adapter.limits import (
    BUTTONS_PER_ROW,
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBEDS_MAX,
    EMBEDS_TOTAL_MAX,
    LABEL_MAX,
    limit_problems,
)
from bot.messages import Action, DrillCard, Feedback, Level, Notice, Reply, Reveal, StatsView, Table

__all__ = ["DiscordMessage", "Attachment", "render_message", "render_payload", "limit_problems", "is_known_custom_id"]

# Button custom_ids carry all their state, so a click still works after a restart.
# `sd:a:<delivery>:<letter>` answers a delivery; `sd:c:<command>[@<server>]` runs `/drill <command>`
# (the server suffix is only added in DMs, where Discord does not say which server a button is for).
ANSWER_TEMPLATE = r"sd:a:(?P<delivery>[A-Za-z0-9_-]{1,64}):(?P<letter>[A-E])"
COMMAND_TEMPLATE = r"sd:c:(?P<command>[^@\n]{1,74})(?:@(?P<space>[0-9]{1,20}))?"
_KNOWN = re.compile(f"(?:{ANSWER_TEMPLATE})|(?:{COMMAND_TEMPLATE})")

BUTTON_STYLES = {"primary": 1, "default": 2, "success": 3, "danger": 4}
COLORS = {"right": 0x2ECC71, "wrong": 0xE74C3C, "card": 0x5865F2, "info": 0x5865F2, "warning": 0xF1C40F, "error": 0xE74C3C}
FILE_EXTENSIONS = {"python": "py", "go": "go", "java": "java", "typescript": "ts", "ts": "ts", "javascript": "js",
                   "sql": "sql", "yaml": "yaml", "json": "json", "csharp": "cs", "kotlin": "kt", "rust": "rs"}
NEXT_BUTTON = Action(label="Drill me now", command="next", style="primary")
# Under every feedback; built once, not per answer.
CONTINUE_BUTTON = Action(label="Continue the climb", command="next", style="primary")
NEXT_DRILL_BUTTON = Action(label="Next drill", command="next", style="primary")


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message; the payload names it under `attachments`."""

    filename: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class DiscordMessage:
    """The JSON body discord.py would send, plus the bytes of any attached files."""

    payload: dict[str, Any]
    files: tuple[Attachment, ...] = field(default=())


def answer_custom_id(delivery_id: str, letter: str) -> str:
    return f"sd:a:{delivery_id}:{letter}"


def command_custom_id(command: str, *, space: str | None = None) -> str:
    return f"sd:c:{command}" + (f"@{space}" if space else "")


def is_known_custom_id(custom_id: str) -> bool:
    """True when one of the bot's persistent buttons would handle this custom_id."""
    return bool(_KNOWN.fullmatch(custom_id or ""))


def render_payload(reply: Reply, *, space: str | None = None) -> dict[str, Any]:
    """The message JSON for `reply` (files appear by name under `attachments`)."""
    return render_message(reply, space=space).payload


def render_message(reply: Reply, *, space: str | None = None) -> DiscordMessage:
    """Render any neutral reply. `space` (a server id) is stamped on command buttons sent to DMs."""
    if isinstance(reply, DrillCard):
        return _card(reply)
    if isinstance(reply, Feedback):
        return _feedback(reply, space)
    if isinstance(reply, StatsView):
        return _stats(reply, space)
    if isinstance(reply, Reveal):
        return _reveal(reply, space)
    if isinstance(reply, Table):
        return _table(reply, space)
    if isinstance(reply, Notice):
        prefix = {"info": "", "warning": "⚠️ ", "error": "⛔ "}[reply.level]
        return _text_message(prefix + reply.text, _action_rows(reply.actions, space), color=COLORS[reply.level])
    raise TypeError(f"no Discord rendering for {type(reply).__name__}")


# -- building blocks ----------------------------------------------------------------------------
def _button(label: str, custom_id: str, style: int = BUTTON_STYLES["default"]) -> dict[str, Any]:
    return {"type": 2, "style": style, "label": label, "custom_id": custom_id}


def _rows(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # At most 5 buttons per action row (components/reference.mdx, Action Row).
    return [{"type": 1, "components": buttons[i:i + BUTTONS_PER_ROW]} for i in range(0, len(buttons), BUTTONS_PER_ROW)]


def _action_rows(actions: tuple[Action, ...] | list[Action], space: str | None) -> list[dict[str, Any]]:
    buttons = [_button(_clip(a.label, LABEL_MAX), command_custom_id(a.command, space=space),
                       BUTTON_STYLES.get(a.style, BUTTON_STYLES["default"])) for a in actions]
    return _rows(buttons)


def _clip(text: str, limit: int, marker: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(marker)].rstrip() + marker


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.strip().splitlines())


_BACKTICK_RUN = re.compile(r"`{3,}")


def _inert(text: str) -> str:
    """`text` that cannot close a code block: in any run of three or more backticks (a snippet's,
    a display name's) every pair is split by a zero-width space, so no three stay adjacent."""
    return _BACKTICK_RUN.sub(lambda m: "\u200b".join(m.group(0)), text)


def _fence(code: str, language: str) -> str:
    return f"```{language}\n{_inert(code)}\n```"


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _text_message(text: str, rows: list[dict[str, Any]], *, color: int, title: str = "",
                  files: tuple[Attachment, ...] = (), extra_embeds: list[dict[str, Any]] | None = None) -> DiscordMessage:
    """Content when it fits in 2000; otherwise embed descriptions (4096 each, 6000 in all)."""
    extra = extra_embeds or []
    head = f"**{title}**\n" if title else ""
    if len(head) + len(text) <= CONTENT_MAX:
        return _message(head + text, extra, rows, files)
    budget = EMBEDS_TOTAL_MAX - sum(len(e.get("description") or "") + len(e.get("title") or "") for e in extra)
    title = _clip(title, EMBED_TITLE_MAX)
    chunks = _chunks(text, EMBED_DESCRIPTION_MAX, budget - len(title))
    embeds = [{"description": c, "color": color} for c in chunks]
    if title:
        embeds[0]["title"] = title
    return _message("", embeds + extra, rows, files)


def _chunks(text: str, size: int, budget: int) -> list[str]:
    """Split at paragraph (then line) breaks into pieces of at most `size`, `budget` characters in all."""
    marker = "\n… (shortened to fit Discord)"
    if len(text) > budget:
        text = text[: budget - len(marker)].rstrip() + marker
    out: list[str] = []
    while len(text) > size:
        cut = max(text.rfind("\n\n", 0, size), text.rfind("\n", 0, size))
        cut = cut if cut > size // 2 else size
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    out.append(text)
    return [c for c in out if c][:EMBEDS_MAX]


def _message(content: str, embeds: list[dict[str, Any]], rows: list[dict[str, Any]],
             files: tuple[Attachment, ...] = ()) -> DiscordMessage:
    payload: dict[str, Any] = {"content": content, "embeds": embeds, "components": rows}
    if files:
        payload["attachments"] = [{"id": i, "filename": f.filename, "description": f.description}
                                  for i, f in enumerate(files)]
    return DiscordMessage(payload=payload, files=files)


# -- the drill card -----------------------------------------------------------------------------
def _card(card: DrillCard) -> DiscordMessage:
    head = f"**{card.header}**\n## {card.title}"
    code = _fence(card.code, card.language)
    ask = _join(f"**{card.question}**", *(f"**{o.letter}.** {o.text}" for o in card.options))
    foot = f"-# {card.footer}" if card.footer else ""
    rows = _rows([_button(o.letter, answer_custom_id(card.delivery_id, o.letter)) for o in card.options])
    color = COLORS["card"]
    ext = FILE_EXTENSIONS.get(card.language, "txt")
    snippet = Attachment(filename=f"snippet.{ext}", data=(card.code + "\n").encode(),
                         description=f"{card.language} snippet for {card.title}"[:1024])
    attached = f"The snippet is attached as `snippet.{ext}` ({card.code.count(chr(10)) + 1} lines)."
    # Cheapest layout first; a long snippet moves to an embed (4096) and then to a file, so the
    # card is never a message Discord rejects.
    layouts = [
        lambda: _message(_join(head, code, ask, foot), [], rows),
        lambda: _message(_join(head, foot), [{"description": code, "color": color},
                                             {"description": ask, "color": color}], rows),
        lambda: _message(_join(head, ask, foot), [{"description": code, "color": color}], rows),
        lambda: _message(_join(head, attached, ask, foot), [], rows, (snippet,)),
        lambda: _message(_join(head, attached, foot), [{"description": ask, "color": color}], rows, (snippet,)),
    ]
    for layout in layouts:
        message = layout()
        if not limit_problems(message.payload):
            return message
    # The drill model bounds title, question and options, so the last layout always fits;
    # clip it anyway rather than send a message Discord would refuse.
    ask = _clip(ask, EMBED_DESCRIPTION_MAX)
    return _message(_clip(_join(head, attached, foot), CONTENT_MAX), [{"description": ask, "color": color}], rows, (snippet,))


# -- feedback, stats, reveal, tables ------------------------------------------------------------
def _feedback(fb: Feedback, space: str | None) -> DiscordMessage:
    verdict = f"✅ **Right** — {fb.title}" if fb.correct else f"❌ **Not this time** — {fb.title}"
    parts = [verdict]
    if fb.duplicate:
        parts.append("-# You already answered this one; your first answer is the one that counts.")
    parts += [f"**You chose {fb.chosen_letter}.** {fb.chosen_text}", _quote(fb.chosen_why)]
    if not fb.correct:
        parts += [f"**Best answer: {fb.best_letter}.** {fb.best_text}", _quote(fb.best_why)]
    parts += [f"**Takeaway** *{fb.takeaway}*", f"**Recap** {fb.recap.strip()}"]
    if fb.sources:
        # <url> keeps Discord from unfurling a preview card per link.
        parts.append("**Read more** " + " · ".join(f"[{s.title}](<{s.url}>)" for s in fb.sources))
    days = f"{fb.streak_days} day{'s' if fb.streak_days != 1 else ''}"
    parts.append(f"{fb.altitude_line} · streak {days}")
    if fb.next_drill_title:
        parts.append(f"**Continue the climb ↑** {fb.next_drill_title}")
    rows = _action_rows([CONTINUE_BUTTON if fb.next_drill_title else NEXT_DRILL_BUTTON, *fb.guess_actions], space)
    return _text_message("\n".join(parts), rows, color=COLORS["right" if fb.correct else "wrong"])


def bar(fraction: float, width: int = 12) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


def _stats(st: StatsView, space: str | None) -> DiscordMessage:
    ladder = " ▸ ".join(f"**[{lv.value}]**" if lv is st.level else lv.value for lv in Level)
    width = max((len(t.tier) for t in st.tiers), default=6)
    tiers = "\n".join(f"{t.tier.capitalize():<{width}} {bar(t.mastery)} {t.held}/{t.total}" for t in st.tiers)
    lines = [ladder, st.progress_line, f"```\n{tiers}\n```" if tiers else "",
             f"streak {st.streak_days} · accuracy {st.accuracy:.0%} of {st.answered} · reviews due {st.reviews_due}"]
    if st.traps_line:
        lines.append(st.traps_line)
    if st.guess_line:
        lines.append(f"-# {st.guess_line}")
    if st.paused_until:
        lines.append(f"-# paused until {st.paused_until}")
    return _text_message(_join(*lines), _action_rows([NEXT_BUTTON], space), color=COLORS["info"],
                         title=f"{st.display_name} · {st.level.value}")


def _reveal(rv: Reveal, space: str | None) -> DiscordMessage:
    total = rv.total or 1
    counts = "\n".join(f"{o.letter} {bar(o.count / total)} {o.count}{' ✔' if o.best else ''}" for o in rv.options)
    best = next((o for o in rv.options if o.best), None)
    parts = [f"{rv.total} answer{'s' if rv.total != 1 else ''} (no names)", f"```\n{counts}\n```"]
    if best is not None:
        parts += [f"**Best answer: {best.letter}.** {best.text}", _quote(best.why)]
    others = [o for o in rv.options if not o.best]
    if others:
        parts.append("**Why the others fail**")
        parts += [f"**{o.letter}.** {o.text} — {o.why.strip()}" for o in others]
    if rv.common_trap:
        desc = f" — {rv.common_trap_description}" if rv.common_trap_description else ""
        parts.append(f"**Most common trap:** {rv.common_trap}{desc}")
    parts += [f"**Takeaway** *{rv.takeaway}*", f"**Recap** {rv.recap.strip()}"]
    return _text_message("\n".join(parts), _action_rows([NEXT_BUTTON], space), color=COLORS["info"],
                         title=f"Reveal · {rv.title}")


def _table(tb: Table, space: str | None) -> DiscordMessage:
    widths = [max([len(c)] + [len(r[i]) for r in tb.rows if i < len(r)]) for i, c in enumerate(tb.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(tb.columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    # Cells hold display names: a name with ``` must not end the table's code block.
    lines += [_inert("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()) for row in tb.rows]
    files: tuple[Attachment, ...] = ()
    extra: list[dict[str, Any]] = []
    if tb.image is not None:
        files = (Attachment(filename=tb.image.filename, data=tb.image.data, description=tb.image.alt[:1024]),)
        extra = [{"image": {"url": f"attachment://{tb.image.filename}"}, "color": COLORS["info"]}]
    rows = _action_rows(tb.actions, space)
    text = _join(f"```\n{chr(10).join(lines)}\n```", f"-# {tb.footer}" if tb.footer else "")
    if len(tb.title) + len(text) + 5 <= CONTENT_MAX:
        return _text_message(text, rows, color=COLORS["info"], title=tb.title, files=files, extra_embeds=extra)
    # Too long for one message body: one code block per embed, rows kept whole, the rest counted.
    blocks: list[str] = []
    current = lines[:2]
    budget = EMBEDS_TOTAL_MAX - len(tb.title) - len(tb.footer) - 200
    used = 0
    for i, line in enumerate(lines[2:]):
        if sum(len(x) + 1 for x in current) + len(line) + 8 > EMBED_DESCRIPTION_MAX:
            blocks.append("\n".join(current))
            used += len(blocks[-1]) + 8
            current = []
        if used + sum(len(x) + 1 for x in current) + len(line) + 40 > budget or len(blocks) >= EMBEDS_MAX - 2:
            current.append(f"… and {len(lines) - 2 - i} more rows")
            break
        current.append(line)
    blocks.append("\n".join(current))
    embeds = [{"description": f"```\n{b}\n```", "color": COLORS["info"]} for b in blocks]
    embeds[0]["title"] = _clip(tb.title, EMBED_TITLE_MAX)
    if tb.footer:
        embeds[-1]["footer"] = {"text": _clip(tb.footer, EMBED_FOOTER_MAX)}
    return _message("", embeds + extra, rows, files)
