"""The HTTP gate in front of Bolt: unsigned requests get 401, signed but malformed ones 400, never a 500.

Bolt checks the signature inside its middleware chain, after parsing the body into a payload, and
its listener matchers index into that payload (`body["actions"][0]["action_id"]`): a request with
a garbage timestamp or a payload of the wrong shape raised inside Bolt and came back as a 500.
The gate verifies first (slack-sdk's own SignatureVerifier, Slack's documented v0 scheme and its
5-minute window), then checks the few fields our listeners read, and only then hands over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_gate(signing_secret: str, *, path: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """An aiohttp middleware guarding `path` with Slack's signature and a shape check."""
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path or request.method != "POST":
            return await handler(request)
        body = await request.read()
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        try:
            valid = verifier.is_valid(body, timestamp, signature)
        except (ValueError, OverflowError):  # a timestamp that is not a number
            valid = False
        if not valid:
            log.info("rejected a Slack request with an invalid or stale signature (%d bytes, timestamp %r)",
                     len(body), timestamp[:20])
            return web.json_response({"error": "invalid request"}, status=401)
        problem = shape_problem(body, request.content_type)
        if problem is not None:
            log.warning("rejected a signed but malformed Slack request (%d bytes): %s", len(body), problem)
            return web.json_response({"error": "malformed request"}, status=400)
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a shape the gate did not foresee
            log.warning("rejected a malformed Slack request (%s, %d bytes)", type(exc).__name__, len(body))
            return web.json_response({"error": "malformed request"}, status=400)

    return gate


def shape_problem(body: bytes, content_type: str) -> str | None:
    """What is wrong with a signed request's payload for our listeners, or None when it is fine."""
    try:
        if content_type == "application/json":
            return _event_problem(json.loads(body))
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        if "payload" in form:
            return _interaction_problem(json.loads(form["payload"][0]))
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not parseable ({type(exc).__name__})"
    return None  # a slash command: form fields, every one a string


def _event_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "the body is not an object"
    if payload.get("type") == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event object of a named type"
    return None


def _interaction_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "the payload is not an object with a type"
    for name in ("user", "team", "view", "channel", "container"):
        if name in payload and payload[name] is not None and not isinstance(payload[name], dict):
            return f"{name} is not an object"
    actions = payload.get("actions")
    if payload["type"] == "block_actions" or actions is not None:
        if not isinstance(actions, list) or not actions:
            return "actions is not a non-empty list"
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "an action without an action_id"
    return None
