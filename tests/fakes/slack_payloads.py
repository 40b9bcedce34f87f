"""Inbound Slack requests as Slack sends them: payload builders, body encodings, v0 signatures."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.fake_slack import TEAM_ID

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0DRILLS"
_counter = iter(range(1, 10**9))


def signed_headers(body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   retry_num: int | None = None, retry_reason: str = "http_timeout") -> dict[str, str]:
    """Headers of a request signed the v0 way: HMAC-SHA256 over "v0:{ts}:{body}"."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"content-type": content_type, "x-slack-request-timestamp": ts,
               "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}
    if retry_num is not None:
        headers["x-slack-retry-num"] = str(retry_num)
        headers["x-slack-retry-reason"] = retry_reason
    return headers


def form(payload: dict[str, Any]) -> tuple[str, str]:
    """Slash commands arrive form-encoded."""
    return urlencode(payload), "application/x-www-form-urlencoded"


def interactive(payload: dict[str, Any]) -> tuple[str, str]:
    """Interactions arrive form-encoded as payload=<json>."""
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def event_json(payload: dict[str, Any]) -> tuple[str, str]:
    return json.dumps(payload), "application/json"


def _trigger() -> str:
    return f"{next(_counter)}.1111.{time.time_ns():x}"


def slash_command(text: str = "", *, response_url: str, user: str = "U0ALICE", user_name: str = "alice",
                  channel: str = CHANNEL, team: str = TEAM_ID, command: str = "/drill") -> dict[str, Any]:
    return {"token": "deprecated", "team_id": team, "team_domain": "saga", "channel_id": channel,
            "channel_name": "drills", "user_id": user, "user_name": user_name, "command": command, "text": text,
            "api_app_id": "A0SAGA", "is_enterprise_install": "false", "response_url": response_url,
            "trigger_id": _trigger()}


def button_click(action_id: str, value: str, *, response_url: str | None, user: str = "U0ALICE",
                 user_name: str = "alice", channel: str | None = CHANNEL, message_ts: str = "1772442000.000001",
                 team: str = TEAM_ID, from_home: bool = False) -> dict[str, Any]:
    """A block_actions payload for one button; `from_home` makes it a click in the App Home tab."""
    payload: dict[str, Any] = {
        "type": "block_actions", "api_app_id": "A0SAGA", "token": "deprecated", "trigger_id": _trigger(),
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": team},
        "team": {"id": team, "domain": "saga"}, "enterprise": None, "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "answers", "value": value,
                     "text": {"type": "plain_text", "text": "A", "emoji": True}, "action_ts": f"{time.time():.6f}"}],
    }
    if from_home:
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        payload["view"] = {"id": "V0HOME", "type": "home", "blocks": []}
    else:
        payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
        payload["channel"] = {"id": channel, "name": "drills"}
        payload["message"] = {"type": "message", "ts": message_ts, "bot_id": "B0BOT", "text": "drill", "blocks": []}
    if response_url:
        payload["response_url"] = response_url
    return payload


def event_callback(event: dict[str, Any], *, event_id: str = "Ev0001", team: str = TEAM_ID) -> dict[str, Any]:
    return {"token": "deprecated", "team_id": team, "api_app_id": "A0SAGA", "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": "U0BOT", "is_bot": True,
                                "is_enterprise_install": False}]}


def app_home_opened(user: str = "U0ALICE", *, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab,
            "event_ts": f"{time.time():.6f}"}


def answer_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answer buttons of a rendered drill card, from the blocks a fake recorded."""
    return [el for b in blocks if b.get("type") == "actions" for el in b["elements"]
            if el["action_id"].startswith("answer:")]
