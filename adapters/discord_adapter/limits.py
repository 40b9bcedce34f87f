"""Discord's message limits, and a check that names every limit a payload breaks (no discord.py needed)."""

from __future__ import annotations

from typing import Any

# Discord limits (discord-api-docs: resources/message.mdx "Embed Limits", components/reference.mdx).
CONTENT_MAX = 2000  # message content
EMBEDS_MAX = 10  # embeds per message
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FOOTER_MAX = 2048
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBEDS_TOTAL_MAX = 6000  # title + description + fields + footer + author over all embeds
ROWS_MAX = 5  # top-level action rows in a legacy (non components-v2) message
BUTTONS_PER_ROW = 5
LABEL_MAX = 80  # button label
CUSTOM_ID_MAX = 100  # custom_id is 1-100 characters
LINK_STYLE = 5  # link buttons carry a url, not a custom_id


def limit_problems(payload: dict[str, Any]) -> list[str]:
    """Every way `payload` breaks a Discord limit (Discord would answer 400 / code 50035); [] if none."""
    problems: list[str] = []
    content = payload.get("content") or ""
    if len(content) > CONTENT_MAX:
        problems.append(f"content is {len(content)} characters; Discord allows {CONTENT_MAX}")
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds; Discord allows {EMBEDS_MAX}")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", EMBED_TITLE_MAX), ("description", EMBED_DESCRIPTION_MAX)):
            size = len(embed.get(key) or "")
            total += size
            if size > limit:
                problems.append(f"embeds[{i}].{key} is {size} characters; Discord allows {limit}")
        footer = len((embed.get("footer") or {}).get("text") or "")
        total += footer + len((embed.get("author") or {}).get("name") or "")
        if footer > EMBED_FOOTER_MAX:
            problems.append(f"embeds[{i}].footer is {footer} characters; Discord allows {EMBED_FOOTER_MAX}")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.append(f"embeds[{i}] has {len(fields)} fields; Discord allows {EMBED_FIELDS_MAX}")
        for j, f in enumerate(fields):
            name, value = len(f.get("name") or ""), len(f.get("value") or "")
            total += name + value
            if name > EMBED_FIELD_NAME_MAX or value > EMBED_FIELD_VALUE_MAX:
                problems.append(f"embeds[{i}].fields[{j}] is too long ({name}/{EMBED_FIELD_NAME_MAX} name, "
                                f"{value}/{EMBED_FIELD_VALUE_MAX} value)")
    if total > EMBEDS_TOTAL_MAX:
        problems.append(f"embeds hold {total} characters in all; Discord allows {EMBEDS_TOTAL_MAX}")
    rows = payload.get("components") or []
    if len(rows) > ROWS_MAX:
        problems.append(f"{len(rows)} component rows; Discord allows {ROWS_MAX}")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        buttons = row.get("components") or []
        if not 1 <= len(buttons) <= BUTTONS_PER_ROW:
            problems.append(f"components[{r}] has {len(buttons)} buttons; Discord allows 1 to {BUTTONS_PER_ROW}")
        for b, button in enumerate(buttons):
            where = f"components[{r}][{b}]"
            label = button.get("label") or ""
            if len(label) > LABEL_MAX:
                problems.append(f"{where}.label is {len(label)} characters; Discord allows {LABEL_MAX}")
            if button.get("style") == LINK_STYLE:
                continue
            custom_id = button.get("custom_id") or ""
            if not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
                problems.append(f"{where}.custom_id is {len(custom_id)} characters; Discord allows 1 to {CUSTOM_ID_MAX}")
            if custom_id in seen:
                problems.append(f"{where}.custom_id {custom_id!r} repeats; custom_ids must be unique in a message")
            seen.add(custom_id)
    if not (content or embeds or payload.get("attachments") or rows):
        problems.append("the message is empty; Discord rejects it (code 50006)")
    return problems
