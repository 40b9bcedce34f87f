"""Slack's POSTs to the events URL: unsigned requests get 401, signed but malformed ones 400, never a 500.

Bolt checks the signature inside its middleware chain, after parsing the body into a payload, and
its listener matchers index into that payload (`body["actions"][0]["action_id"]`): a request with
a garbage timestamp or a payload of the wrong shape raised inside Bolt and came back as a 500.
So this handler verifies first (slack-sdk's own SignatureVerifier, Slack's documented v0 scheme
and its 5-minute window), then lets Bolt parse the body, checks the few fields our listeners
read in what Bolt parsed, and only then dispatches: the work of Bolt's own aiohttp handler
(slack_bolt.app.async_server) with the checks between. The body is parsed once: a check of its
own parse (URL-decoding the form, then its JSON) cost as much per click as Bolt's (about 40 µs of
the ~0.6 ms a click costs, benchmarks/slack_path.py --calls).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# An interaction arrives as a form whose `payload` field is the JSON (Bolt's parse_body decodes it).
_PAYLOAD_FIELD = re.compile(r"(?:^|&)payload=")
# What a shape the checks did not foresee raises inside Bolt: a refusal, not a 500.
_SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def events_handler(bolt: AsyncApp, signing_secret: str) -> Handler:
    """The aiohttp handler for POSTs to the events path: verify, parse (Bolt), check, dispatch."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.StreamResponse:
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
        try:
            text = body.decode("utf-8")
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
            problem = shape_problem(bolt_request.body, kind=_kind(text, request.content_type))
        except (*_SHAPE_ERRORS, UnicodeDecodeError) as exc:
            problem = f"not parseable ({type(exc).__name__})"
        if problem is not None:
            log.warning("rejected a signed but malformed Slack request (%d bytes): %s", len(body), problem)
            return web.json_response({"error": "malformed request"}, status=400)
        try:
            return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
        except _SHAPE_ERRORS as exc:  # a shape the checks did not foresee
            log.warning("rejected a malformed Slack request (%s, %d bytes)", type(exc).__name__, len(body))
            return web.json_response({"error": "malformed request"}, status=400)

    return handle


def _kind(text: str, content_type: str) -> str:
    """How Bolt read the body: an Events API JSON body, an interaction's payload, or a slash command's form."""
    if content_type == "application/json" or text.startswith("{"):
        return "event"
    return "interaction" if _PAYLOAD_FIELD.search(text) else "command"


def shape_problem(payload: Any, *, kind: str) -> str | None:
    """What is wrong with a signed request's parsed payload for our listeners, or None when it is fine."""
    if kind == "event":
        return _event_problem(payload)
    if kind == "interaction":
        return _interaction_problem(payload)
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
