"""A local fake Slack: Web API, response_url, file uploads and Socket Mode on 127.0.0.1:0.

It runs in the test's event loop (aiohttp), records every call, lets a test await calls through
an asyncio.Condition (no sleeps, no polling), and is strict by default: blocks that break
Slack's limits get `invalid_blocks` back, as the real API answers, and are listed in
`rejected` so the fixture can fail the test. Its limit checks are written independently of
adapters/slack_blocks.py so that a bug there cannot hide itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-1111-2222-fakebottoken"
APP_TOKEN = "xapp-1-A0SAGA-3333-fakeapptoken"
TEAM_ID = "T0SAGA"
BOT_USER_ID = "U0BOT"

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "U0ALICE": {"id": "U0ALICE", "name": "alice", "real_name": "Alice Example", "tz": "Europe/Berlin",
                "is_admin": False, "is_owner": False, "profile": {"display_name": "alice", "real_name": "Alice Example"}},
    "U0BOB": {"id": "U0BOB", "name": "bob", "real_name": "Bob Example", "tz": "America/New_York",
              "is_admin": False, "is_owner": False, "profile": {"display_name": "", "real_name": "Bob Example"}},
    "U0ADMIN": {"id": "U0ADMIN", "name": "ada", "real_name": "Ada Admin", "tz": "UTC",
                "is_admin": True, "is_owner": False, "profile": {"display_name": "ada", "real_name": "Ada Admin"}},
}

# Slack's limits (docs.slack.dev/reference/block-kit); the real API rejects a message that breaks one.
_LIMITS = {"blocks": 50, "view_blocks": 100, "section": 3000, "header": 150, "button": 75, "action_id": 255,
           "value": 2000, "elements": 25, "context": 10, "block_id": 255}
_MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
RESPONSE_URL_USES = 5  # a response_url takes up to 5 messages within 30 minutes


@dataclass
class Call:
    """One request the fake received. `method` is the Web API method, or response_url / upload / socket_ack."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    peer: str = ""  # response_url calls: the client's address and port, one per connection


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def block_errors(blocks: Any, *, view: bool = False) -> list[str]:
    """The limit breaches the real API names in `invalid_blocks`; empty when the blocks are fine."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    errors = []
    most = _LIMITS["view_blocks"] if view else _LIMITS["blocks"]
    if len(blocks) > most:
        errors.append(f"no more than {most} items allowed [json-pointer:/blocks]")
    action_ids: list[str] = []
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        if len(block.get("block_id", "")) > _LIMITS["block_id"]:
            errors.append(f"block_id too long [json-pointer:{where}/block_id]")
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and not 0 < len(text) <= _LIMITS["section"]:
            errors.append(f"must be between 1 and {_LIMITS['section']} characters [json-pointer:{where}/text]")
        if block.get("type") == "header" and len(text) > _LIMITS["header"]:
            errors.append(f"must be less than {_LIMITS['header'] + 1} characters [json-pointer:{where}/text]")
        if block.get("type") == "context" and len(block.get("elements", [])) > _LIMITS["context"]:
            errors.append(f"no more than {_LIMITS['context']} items allowed [json-pointer:{where}/elements]")
        if block.get("type") == "actions":
            elements = block.get("elements", [])
            if len(elements) > _LIMITS["elements"]:
                errors.append(f"no more than {_LIMITS['elements']} items allowed [json-pointer:{where}/elements]")
            for j, el in enumerate(elements):
                at = f"{where}/elements/{j}"
                action_ids.append(el.get("action_id", ""))
                if len(el.get("action_id", "")) > _LIMITS["action_id"]:
                    errors.append(f"action_id too long [json-pointer:{at}/action_id]")
                if el.get("type") == "button":
                    if len((el.get("text") or {}).get("text", "")) > _LIMITS["button"]:
                        errors.append(f"must be less than {_LIMITS['button'] + 1} characters [json-pointer:{at}/text]")
                    if len(el.get("value", "")) > _LIMITS["value"]:
                        errors.append(f"must be less than {_LIMITS['value'] + 1} characters [json-pointer:{at}/value]")
    duplicates = {a for a in action_ids if a and action_ids.count(a) > 1}
    if duplicates:
        errors.append(f"duplicate action_id {sorted(duplicates)} [json-pointer:/blocks]")
    return errors


class FakeSlack:
    """The fake. Use as `async with FakeSlack() as slack:` or start()/stop()."""

    def __init__(self, *, strict: bool = True, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN,
                 team_id: str = TEAM_ID, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.strict = strict
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.users = {k: dict(v) for k, v in (users or DEFAULT_USERS).items()}
        self.calls: list[Call] = []
        self.rejected: list[tuple[str, list[str]]] = []
        self.allow_rejections = False  # a test that provokes invalid_blocks on purpose sets this
        # Channels as Slack sees them for conversations.join: the bot's memberships, and the private
        # ones (no app may join those). A test sets enforce_membership to make uploads into a
        # channel the bot is not in fail with not_in_channel, as Slack's files API does.
        self.joined: set[str] = set()
        self.private_channels: set[str] = set()
        self.enforce_membership = False
        self.port = 0
        self._failures: dict[str, list[Failure]] = {}
        self._cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        # file id -> what files_upload_v2 told us in its three steps: filename, length, alt_txt, the
        # uploaded bytes, and the conversation and comment it was shared with.
        self.files: dict[str, dict[str, Any]] = {}
        self._url_uses: dict[str, int] = {}
        self._holds: dict[str, tuple[int, asyncio.Event]] = {}

    # -- addresses for the code under test -------------------------------------------------
    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For AsyncWebClient(base_url=...) and SLACK_API_URL."""
        return f"{self.root}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.root}/response_url/{key}"

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response_url/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test controls ---------------------------------------------------------------------
    def fail(self, method: str, *, status: int = 429, error: str = "ratelimited", times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        """Answer the next `times` calls of `method` with an error (429 + Retry-After: 0 by default)."""
        if status == 429 and headers is None:
            headers = {"Retry-After": "0"}
        self._failures.setdefault(method, []).extend(
            Failure(status, {"ok": False, "error": error}, headers or {}) for _ in range(times))

    def hold(self, method: str, *, after: int) -> asyncio.Event:
        """Answer `after` calls of `method`, then record each later one and keep it waiting until the
        returned event is set: a send in flight, for a test to kill its sender during."""
        release = asyncio.Event()
        self._holds[method] = (after, release)
        return release

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `method` arrived; adapters answer after the ack, so await this."""
        async def arrived() -> None:
            async with self._cond:
                await self._cond.wait_for(lambda: len(self.of(method)) >= count)
        try:
            await asyncio.wait_for(arrived(), timeout)
        except TimeoutError:
            raise AssertionError(f"expected {count} × {method}, got {len(self.of(method))}; "
                                 f"calls so far: {[c.method for c in self.calls]}") from None
        return self.of(method)

    async def socket_send(self, envelope: dict[str, Any], *, timeout: float = 5.0) -> None:
        """Push a Socket Mode envelope to the connected app."""
        await asyncio.wait_for(self._socket_ready.wait(), timeout)
        await self._sockets[-1].send_json(envelope)

    # -- handlers --------------------------------------------------------------------------
    async def _record(self, call: Call) -> None:
        async with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    @staticmethod
    async def _parse(request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.content_type == "application/json":
            body = json.loads(raw) if raw else {}
        else:
            body = {**dict(request.query), **dict(parse_qsl(raw))}
        for key in ("blocks", "view", "files"):  # slack_sdk form-encodes nested values as JSON text
            if isinstance(body.get(key), str):
                try:
                    body[key] = json.loads(body[key])
                except ValueError:
                    pass
        return body

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._parse(request)
        call = Call(method, request.path, dict(request.headers), body)
        await self._record(call)
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if request.headers.get("Authorization") != f"Bearer {expected}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        held = self._holds.get(method)
        if held is not None and len(self.of(method)) > held[0]:
            await held[1].wait()
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if self.strict and (method in _MESSAGE_METHODS or method == "views.publish"):
            blocks = (body.get("view") or {}).get("blocks") if method == "views.publish" else body.get("blocks")
            errors = block_errors(blocks, view=method == "views.publish")
            if errors:
                self.rejected.append((method, errors))
                return web.json_response({"ok": False, "error": "invalid_blocks", "errors": errors})
        return web.json_response(self._answer(method, body))

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://saga.example.slack.com/", "team": "Saga", "user": "sagadrills",
                    "team_id": self.team_id, "user_id": BOT_USER_ID, "bot_id": "B0BOT", "is_enterprise_install": False}
        if method == "chat.postMessage":
            if not body.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not body.get("text") and not body.get("blocks"):
                return {"ok": False, "error": "no_text"}
            ts = f"1772442000.{next(self._ts):06d}"
            return {"ok": True, "channel": body["channel"], "ts": ts,
                    "message": {"type": "message", "text": body.get("text"), "ts": ts, "bot_id": "B0BOT"}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1772442000.{next(self._ts):06d}"}
        if method == "conversations.open":
            user = str(body.get("users", "")).split(",")[0]
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": "D" + user[1:]}}
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            return {"ok": True, "user": {**user, "team_id": self.team_id}} if user else {"ok": False, "error": "user_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0HOME", **(body.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            if not body.get("filename") or not str(body.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._files):04d}"
            self.files[file_id] = {"filename": body["filename"], "length": int(body["length"]),
                                   "alt_txt": body.get("alt_txt"), "data": None, "channel": None, "comment": None}
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "conversations.join":
            channel = str(body.get("channel", ""))
            if channel in self.private_channels or channel.startswith("D"):
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            if channel in self.joined:
                return {"ok": True, "channel": {"id": channel}, "warning": "already_in_channel",
                        "response_metadata": {"warnings": ["already_in_channel"]}}
            self.joined.add(channel)
            return {"ok": True, "channel": {"id": channel, "is_member": True}}
        if method == "files.completeUploadExternal":
            listed = body.get("files") or []
            channel = body.get("channel_id") or body.get("channels")
            if self.enforce_membership and channel not in self.joined:
                return {"ok": False, "error": "not_in_channel"}
            # Slack shares only files whose bytes arrived at their upload URL.
            if not listed or any((self.files.get(f.get("id")) or {}).get("data") is None for f in listed):
                return {"ok": False, "error": "file_upload_not_completed"}
            for f in listed:
                self.files[f["id"]].update(channel=body.get("channel_id") or body.get("channels"),
                                           comment=body.get("initial_comment"), thread=body.get("thread_ts"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in listed]}
        return {"ok": True}

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        body = await self._parse(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        await self._record(Call("response_url", request.path, dict(request.headers), body, peer=str(peer)))
        self._url_uses[key] = self._url_uses.get(key, 0) + 1
        if self._url_uses[key] > RESPONSE_URL_USES:
            self.rejected.append(("response_url", [f"{key} used more than {RESPONSE_URL_USES} times"]))
            return web.Response(status=404, text="used_url")
        errors = block_errors(body.get("blocks")) if self.strict else []
        if errors:
            self.rejected.append(("response_url", errors))
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": errors}, status=400)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        file = self.files.get(request.match_info["file_id"])
        if file is None or file["length"] != len(data):  # an unknown URL, or not the length announced
            self.rejected.append(("upload", [f"{request.path}: {len(data)} bytes for {file and file['length']}"]))
            return web.Response(status=400, text="invalid upload")
        file["data"] = data
        await self._record(Call("upload", request.path, dict(request.headers), {"bytes": len(data)}))
        return web.Response(text=f"OK - {len(data)}")

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SAGA"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 18060}})
        self._socket_ready.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:  # the app's acks: {"envelope_id": ..., "payload": ...}
                await self._record(Call("socket_ack", "/link", {}, json.loads(msg.data)))
        return ws
