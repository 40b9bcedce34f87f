"""HTTP answers as Discord gives them: exact JSON content type, error bodies, 429s, and the limit check."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


def error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return json_response({"code": code, "message": message, **extra}, status=status)


def rate_limited(retry_after: float) -> web.Response:
    # Real 429s carry `Via: 1.1 google`; without it discord.py assumes a Cloudflare ban and gives up.
    return json_response({"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                         status=429, headers={"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after))),
                                              "X-RateLimit-Scope": "user", "X-RateLimit-Limit": "5",
                                              "X-RateLimit-Remaining": "0", "X-RateLimit-Bucket": "fake",
                                              "X-RateLimit-Reset-After": str(retry_after)})


def limit_errors(body: dict[str, Any]) -> dict[str, Any]:
    """Discord's `errors` tree for a message body that breaks a limit ({} when it is valid)."""
    errs: dict[str, Any] = {}

    def add(path: str, msg: str) -> None:
        errs[path] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": msg}]}

    if len(body.get("content") or "") > 2000:
        add("content", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        add("embeds", "Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            n = len(e.get(key) or "")
            total += n
            if n > limit:
                add(f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.")
        total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
        for f in e.get("fields") or []:
            total += len(f.get("name") or "") + len(f.get("value") or "")
    if total > 6000:
        add("embeds", "Embed size exceeds maximum size of 6000")
    rows = body.get("components") or []
    if len(rows) > 5:
        add("components", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        kids = row.get("components") or []
        if not 1 <= len(kids) <= 5:
            add(f"components.{r}.components", "Must be between 1 and 5 in length.")
        for c, kid in enumerate(kids):
            if len(kid.get("label") or "") > 80:
                add(f"components.{r}.components.{c}.label", "Must be 80 or fewer in length.")
            cid = kid.get("custom_id")
            if cid is not None:
                if not 1 <= len(cid) <= 100 or cid in seen:
                    add(f"components.{r}.components.{c}.custom_id", "Invalid or duplicate custom_id.")
                seen.add(cid)
    return errs
