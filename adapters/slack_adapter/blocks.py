"""Block Kit building blocks: mrkdwn escaping, limit-safe splitting, and the limit checker."""

from __future__ import annotations

import re
from typing import Any

# Slack's documented limits (docs.slack.dev/reference/block-kit/blocks and .../block-elements).
MAX_MESSAGE_BLOCKS = 50  # blocks in one message
MAX_VIEW_BLOCKS = 100  # blocks in a Home tab or modal view
SECTION_TEXT = 3000  # section text, counted after & < > are escaped (also inside ``` code)
HEADER_TEXT = 150  # header block, plain_text only
BUTTON_TEXT = 75  # button label, plain_text only
ACTION_ID = 255  # unique within the message
BUTTON_VALUE = 2000
BLOCK_ID = 255
ACTIONS_ELEMENTS = 25  # elements in one actions block
CONTEXT_ELEMENTS = 10  # elements in one context block
CONTEXT_TEXT = 3000
CONFIRM_TITLE = 100  # confirmation dialog title; its text is 300, its buttons 30
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
MESSAGE_TEXT = 40_000  # Slack truncates the top-level text beyond this

ZWSP = "\u200b"
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
# What Slack reads as markup in mrkdwn: links <http…|…>, mentions <@U…>, <#C…>, <!here>.
_SLACK_TOKEN = re.compile(r"<(?:https?://|mailto:|@|#|!)[^<>\s]*(?:\|[^<>]*)?>")
_BARE_AMP = re.compile(r"&(?!amp;|lt;|gt;)")


def escape(text: str) -> str:
    """Slack's three control characters, which must be escaped even inside code blocks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, title: str) -> str:
    """A mrkdwn link; `|` would end the URL part, so it is percent-encoded there."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(title)}>"


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object (no escaping: Slack shows it literally), cut to its limit."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _safe_cut(text: str, limit: int) -> int:
    """Where to cut escaped `text` at or before `limit`: a line end, else a space, never inside an entity."""
    if len(text) <= limit:
        return len(text)
    head = text[:limit]
    for sep in ("\n", " "):
        at = head.rfind(sep)
        if at > limit // 2:
            return at + 1
    tail = _ENTITY_TAIL.search(head)
    return tail.start() if tail and tail.start() > 0 else limit


def split_escaped(text: str, limit: int) -> list[str]:
    """Split already-escaped text into pieces of at most `limit` chars at safe places."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _safe_cut(rest, limit)
        pieces.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def text_sections(mrkdwn: str) -> list[dict[str, Any]]:
    """One or more sections holding escaped mrkdwn, split at line ends so none passes 3000 chars."""
    return [section(piece) for piece in split_escaped(mrkdwn, SECTION_TEXT) if piece.strip()]


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def context(*texts: str) -> dict[str, Any]:
    elements = [{"type": "mrkdwn", "text": clip(t, CONTEXT_TEXT)} for t in texts if t][:CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def code_sections(code: str, *, max_sections: int) -> list[dict[str, Any]]:
    """A snippet as ``` code sections: escaped, never broken by a ``` inside it, split at line ends.

    When a snippet needs more than `max_sections` sections, the last one says how many lines
    were left out instead of letting Slack reject the whole message.
    """
    body = re.sub(r"`(?=`)", "`" + ZWSP, escape(code))  # a literal ``` would close the block early
    fence = 6  # the opening and closing ```
    room = SECTION_TEXT - fence - 2  # and a zero-width space at either end when needed
    chunks = split_escaped(body, room)
    if len(chunks) > max_sections:
        kept = chunks[:max_sections]
        shown = sum(c.count("\n") + 1 for c in kept)
        total = body.count("\n") + 1
        note = f"\n… {total - shown} more lines not shown"
        kept[-1] = split_escaped(kept[-1], room - len(note))[0] + note
        chunks = kept
    return [section(f"```{_guard(chunk)}```") for chunk in chunks]


def _guard(chunk: str) -> str:
    # A backtick touching the fence would merge with it into ```` and end the block.
    if chunk.startswith("`"):
        chunk = ZWSP + chunk
    if chunk.endswith("`"):
        chunk += ZWSP
    return chunk


def button(label: str, action_id: str, value: str, *, style: str | None = None,
           confirm: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A button; `confirm` is (title, text, confirm label) for a dialog before destructive actions."""
    element: dict[str, Any] = {"type": "button", "text": plain(label, BUTTON_TEXT), "action_id": action_id, "value": value}
    if style in ("primary", "danger"):
        element["style"] = style
    if confirm:
        title, text, ok = confirm
        element["confirm"] = {"title": plain(title, CONFIRM_TITLE), "text": plain(text, CONFIRM_TEXT),
                              "confirm": plain(ok, CONFIRM_BUTTON), "deny": plain("Cancel", CONFIRM_BUTTON),
                              "style": "danger"}
    return element


def actions(elements: list[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": elements[:ACTIONS_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id[:BLOCK_ID]
    return block


# -- the checker ------------------------------------------------------------------------------
def limit_problems(payload: dict[str, Any]) -> list[str]:
    """Every way `payload` (a message, or a Home view with type "home") breaks Slack's limits."""
    problems: list[str] = []
    blocks = payload.get("blocks") or []
    is_view = payload.get("type") in ("home", "modal")
    most = MAX_VIEW_BLOCKS if is_view else MAX_MESSAGE_BLOCKS
    if len(blocks) > most:
        problems.append(f"{len(blocks)} blocks (limit {most})")
    if not is_view:
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append("no fallback text (notifications and screen readers need it)")
        elif len(text) > MESSAGE_TEXT:
            problems.append(f"text is {len(text)} chars (Slack truncates beyond {MESSAGE_TEXT})")
        elif (bad := _escaping_problem(text)) is not None:
            problems.append(f"text: {bad}")
    action_ids: set[str] = set()
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        problems += _block_problems(f"blocks[{i}]", block, action_ids, block_ids)
    return problems


def _block_problems(where: str, block: dict[str, Any], action_ids: set[str], block_ids: set[str]) -> list[str]:
    out: list[str] = []
    kind = block.get("type")
    block_id = block.get("block_id")
    if block_id is not None:
        if len(block_id) > BLOCK_ID:
            out.append(f"{where} block_id is {len(block_id)} chars (limit {BLOCK_ID})")
        if block_id in block_ids:
            out.append(f"{where} block_id {block_id!r} is used twice")
        block_ids.add(block_id)
    if kind == "section":
        out += _text_problems(f"{where} section text", block.get("text"), SECTION_TEXT)
    elif kind == "header":
        text = block.get("text") or {}
        if text.get("type") != "plain_text":
            out.append(f"{where} header text must be plain_text")
        out += _text_problems(f"{where} header text", text, HEADER_TEXT)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS:
            out.append(f"{where} context has {len(elements)} elements (1 to {CONTEXT_ELEMENTS})")
        for j, el in enumerate(elements):
            out += _text_problems(f"{where} context element {j}", el, CONTEXT_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > ACTIONS_ELEMENTS:
            out.append(f"{where} actions has {len(elements)} elements (1 to {ACTIONS_ELEMENTS})")
        for j, el in enumerate(elements):
            out += _element_problems(f"{where} element {j}", el, action_ids)
    elif kind not in ("divider", "image"):
        out.append(f"{where} has unexpected block type {kind!r}")
    return out


def _element_problems(where: str, el: dict[str, Any], action_ids: set[str]) -> list[str]:
    out: list[str] = []
    action_id = el.get("action_id") or ""
    if not action_id or len(action_id) > ACTION_ID:
        out.append(f"{where} action_id is {len(action_id)} chars (1 to {ACTION_ID})")
    if action_id in action_ids:
        out.append(f"{where} action_id {action_id!r} is used twice")
    action_ids.add(action_id)
    if el.get("type") == "button":
        text = el.get("text") or {}
        if text.get("type") != "plain_text":
            out.append(f"{where} button text must be plain_text")
        out += _text_problems(f"{where} button text", text, BUTTON_TEXT)
        if len(el.get("value") or "") > BUTTON_VALUE:
            out.append(f"{where} button value is {len(el['value'])} chars (limit {BUTTON_VALUE})")
        if confirm := el.get("confirm"):
            for key, most in (("title", CONFIRM_TITLE), ("text", CONFIRM_TEXT), ("confirm", CONFIRM_BUTTON), ("deny", CONFIRM_BUTTON)):
                out += _text_problems(f"{where} confirm {key}", confirm.get(key), most)
    return out


def _text_problems(where: str, text: Any, most: int) -> list[str]:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str) or not text["text"]:
        return [f"{where} is missing"]
    value = text["text"]
    out = []
    if len(value) > most:
        out.append(f"{where} is {len(value)} chars after escaping (limit {most})")
    if text.get("type") == "mrkdwn" and (bad := _escaping_problem(value)) is not None:
        out.append(f"{where}: {bad}")
    return out


def _escaping_problem(mrkdwn: str) -> str | None:
    """Unescaped < > & read as markup by Slack (a `<` in code would start a link)."""
    rest = _SLACK_TOKEN.sub("", mrkdwn)
    for ch in "<>":
        if ch in rest:
            return f"unescaped {ch!r} at …{rest[max(0, rest.index(ch) - 20):rest.index(ch) + 20]!r}…"
    if _BARE_AMP.search(rest):
        return "unescaped '&'"
    return None
