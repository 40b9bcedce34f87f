"""A local fake of Discord: REST API v10 and the gateway websocket, aiohttp on 127.0.0.1:0.

discord.py is pointed at it through the adapter's own routing settings (DISCORD_API_BASE_URL =
`fake.api_base`, DISCORD_GATEWAY_URL = `fake.gateway_url`). It records every REST call (JSON and
multipart bodies), enforces Discord's message limits (400 / code 50035, like the real API), and
answers the gateway handshake with zlib-stream frames. Tests await recorded calls with
`wait_for` (an asyncio.Condition), never a sleep.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_payloads as D
from tests.fakes.discord_responses import error, json_response, limit_errors, rate_limited


@dataclass
class Call:
    method: str
    path: str  # after /api/v10, e.g. /channels/123/messages
    headers: dict[str, str]
    json: Any
    query: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 0
    response: Any = None


class FakeDiscord:
    """One fake Discord per test. `strict` rejects oversized messages the way Discord does."""

    def __init__(self, *, strict: bool = True, heartbeat_interval_ms: int = 41_250) -> None:
        self.strict = strict
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.calls: list[Call] = []
        self.frames: list[dict[str, Any]] = []  # what clients sent on the gateway
        self.gateway_queries: list[dict[str, str]] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, dict[str, Any]] = {}
        self.overrides: list[tuple[str, re.Pattern[str], Callable[[Call], web.Response | None]]] = []
        self.interaction_types: dict[str, int] = {}
        self._originals: dict[str, str] = {}  # interaction token -> message id of @original
        self._cond = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._zlib: Any = None
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- waiting -----------------------------------------------------------------------------
    def of(self, method: str, path_regex: str) -> list[Call]:
        rx = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path) and c.status]

    async def wait_for(self, method: str, path_regex: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The first `count` answered calls matching; fails the test with what did arrive."""
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(lambda: len(self.of(method, path_regex)) >= count), timeout)
        except asyncio.TimeoutError:
            seen = [(c.method, c.path[:60], c.status) for c in self.calls]
            raise AssertionError(f"expected {count}x {method} {path_regex}; saw {seen}") from None
        return self.of(method, path_regex)[:count]

    async def wait_identified(self, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        """The count-th IDENTIFY frame, once READY and GUILD_CREATE have gone out for it."""
        async with self._cond:
            await asyncio.wait_for(self._cond.wait_for(lambda: len(self.identifies) >= count), timeout)
        return self.identifies[count - 1]

    async def wait_frames(self, op: int, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        async with self._cond:
            await asyncio.wait_for(self._cond.wait_for(
                lambda: len([f for f in self.frames if f.get("op") == op]) >= count), timeout)
        return [f for f in self.frames if f.get("op") == op]

    @property
    def identifies(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("op") == 2 and f.get("_ready_sent")]

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    # -- REST --------------------------------------------------------------------------------
    def override(self, method: str, path_regex: str, fn: Callable[[Call], web.Response | None]) -> None:
        """Answer matching calls with fn(call); returning None falls through to the normal route."""
        self.overrides.insert(0, (method, re.compile(path_regex), fn))

    def rate_limit_once(self, method: str, path_regex: str, *, retry_after: float = 0.05) -> list[Call]:
        """The next matching call gets a 429 with retry_after; returns the list of limited calls."""
        limited: list[Call] = []

        def fn(call: Call) -> web.Response | None:
            if limited:
                return None
            limited.append(call)
            return rate_limited(retry_after)

        self.override(method, path_regex, fn)
        return limited

    async def _read(self, request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: dict[str, tuple[str, bytes]] = {}
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(data)
                else:
                    files[part.name or ""] = (part.filename or "", bytes(data))  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        if not raw:
            return None, {}
        return (json.loads(raw) if request.content_type == "application/json" else raw.decode()), {}

    async def _rest(self, request: web.Request) -> web.Response:
        body, files = await self._read(request)
        call = Call(request.method, "/" + request.match_info["tail"], dict(request.headers), body,
                    dict(request.query), files)
        self.calls.append(call)
        response = self._answer(call)
        call.status = response.status
        call.response = json.loads(response.body) if response.body else None  # type: ignore[arg-type]
        await self._notify()
        return response

    def _answer(self, call: Call) -> web.Response:
        token_routes = call.path.startswith(("/interactions/", "/webhooks/"))  # the token is in the URL
        if not token_routes and not call.headers.get("Authorization", "").startswith("Bot "):
            return error(401, 0, "401: Unauthorized")
        for method, rx, fn in self.overrides:
            if method == call.method and rx.fullmatch(call.path):
                answer = fn(call)
                if answer is not None:
                    return answer
        if self.strict and isinstance(call.json, dict) and call.method in ("POST", "PATCH"):
            msg = (call.json.get("data") or {}) if call.path.endswith("/callback") else call.json
            errs = limit_errors(msg)
            if errs:
                return error(400, 50035, "Invalid Form Body", errors=errs)
        return self._route(call)

    def _store(self, body: dict[str, Any], *, channel_id: str, flags: int = 0, message_id: str | None = None,
               webhook: bool = False, files: dict[str, tuple[str, bytes]] | None = None) -> dict[str, Any]:
        attachments = [{"id": D.snowflake(), "filename": name, "size": len(data), "url": f"https://cdn.invalid/{name}",
                        "proxy_url": f"https://cdn.invalid/{name}"} for name, data in (files or {}).values()]
        msg = D.message(content=body.get("content") or "", channel_id=channel_id, embeds=body.get("embeds"),
                        components=body.get("components"), flags=flags | (body.get("flags") or 0),
                        attachments=attachments, message_id=message_id,
                        webhook_id=D.APP_ID if webhook else None)
        self.messages[msg["id"]] = msg
        return msg

    def _route(self, call: Call) -> web.Response:
        m, p, b = call.method, call.path, call.json if isinstance(call.json, dict) else {}
        if m == "GET" and p == "/users/@me":
            return json_response(D.BOT_USER)
        if m == "GET" and p == "/oauth2/applications/@me":
            return json_response(D.application_info())
        if m == "PUT" and re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", p):
            return json_response([{**c, "id": D.snowflake(), "application_id": D.APP_ID, "version": "1",
                                   "default_member_permissions": None, "type": c.get("type", 1)} for c in call.json])
        if m == "POST" and (hit := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p)):
            return self._callback(call, hit[1], hit[2], b)
        if (hit := re.fullmatch(r"/webhooks/\d+/([^/]+)(?:/messages/(@original|\d+))?", p)) and m in ("POST", "PATCH"):
            token, which = hit[1], hit[2]
            if which == "@original":
                mid = self._originals.get(token)
                if not mid:
                    return error(404, 10008, "Unknown Message")
                msg = self._store(b, channel_id=self.messages[mid]["channel_id"], flags=self.messages[mid]["flags"],
                                  message_id=mid, webhook=True, files=call.files)
            else:
                msg = self._store(b, channel_id=D.CHANNEL_ID, webhook=True, files=call.files)
            return json_response(msg)
        if m == "POST" and (hit := re.fullmatch(r"/channels/(\d+)/messages", p)):
            cid = hit[1]
            if not (b.get("content") or b.get("embeds") or b.get("components") or call.files):
                return error(400, 50006, "Cannot send an empty message")
            if cid not in (D.CHANNEL_ID, *self.threads, *self.dm_channels):
                return error(404, 10003, "Unknown Channel")
            return json_response(self._store(b, channel_id=cid, files=call.files))
        if m == "POST" and (hit := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", p)):
            return self._start_thread(hit[1], hit[2], b)
        if m == "GET" and (hit := re.fullmatch(r"/channels/(\d+)", p)):
            cid = hit[1]
            found = D.text_channel() if cid == D.CHANNEL_ID else self.threads.get(cid) or self.dm_channels.get(cid)
            return json_response(found) if found else error(404, 10003, "Unknown Channel")
        if m == "POST" and p == "/users/@me/channels":
            rid = str(b.get("recipient_id"))
            channel = next((c for c in self.dm_channels.values() if c["recipients"][0]["id"] == rid), None)
            if channel is None:
                channel = {"id": D.snowflake(), "type": 1, "last_message_id": None, "flags": 0,
                           "recipients": [D.user(rid, f"user{rid[-4:]}")]}
                self.dm_channels[channel["id"]] = channel
            return json_response(channel)
        return error(404, 0, f"fake-discord: no route for {m} {p}")

    def _callback(self, call: Call, iid: str, token: str, body: dict[str, Any]) -> web.Response:
        if token in self._originals:
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind, data = body.get("type"), body.get("data") or {}
        msg = self._store(data, channel_id=D.CHANNEL_ID, flags=data.get("flags") or 0, webhook=True,
                          files=call.files) if kind in (4, 5) else None
        self._originals[token] = msg["id"] if msg is not None else ""
        if call.query.get("with_response") not in ("1", "true"):
            return web.Response(status=204)
        info: dict[str, Any] = {"id": iid, "type": self.interaction_types.get(iid, 2)}
        out: dict[str, Any] = {"interaction": info, "resource": {"type": kind}}
        if msg is not None:
            info["response_message_id"] = msg["id"]
            info["response_message_ephemeral"] = bool(msg["flags"] & 64)
            info["response_message_loading"] = kind == 5
            if kind == 4:
                out["resource"]["message"] = msg
        return json_response(out)

    def _start_thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        if message_id in self.threads:
            return error(400, 160004, "A thread has already been created for this message")
        if message_id not in self.messages:
            return error(404, 10008, "Unknown Message")
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return error(400, 50035, "Invalid Form Body", errors={"name": "Must be between 1 and 100 in length."})
        thread = {"id": message_id, "type": 11, "guild_id": D.GUILD_ID, "parent_id": channel_id, "name": name,
                  "owner_id": D.APP_ID, "last_message_id": None, "message_count": 0, "member_count": 1,
                  "rate_limit_per_user": 0, "flags": 0, "total_message_sent": 0,
                  "thread_metadata": {"archived": False, "auto_archive_duration": body.get("auto_archive_duration", 1440),
                                      "archive_timestamp": D.now_iso(), "locked": False}}
        self.threads[message_id] = thread
        return json_response(thread)

    # -- gateway -----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append(query)
        # With compress=zlib-stream the real gateway sends every frame as a binary chunk of ONE zlib
        # stream per connection, each ending in Z_SYNC_FLUSH (00 00 ff ff).
        zctx = zlib.compressobj() if query.get("compress") == "zlib-stream" else None
        await self._send(ws, zctx, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            self.frames.append(frame)
            op = frame.get("op")
            if op == 1:  # HEARTBEAT -> HEARTBEAT_ACK
                await self._send(ws, zctx, {"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:  # IDENTIFY -> READY, then GUILD_CREATE for the one guild
                self._ws, self._zlib = ws, zctx
                await self._dispatch_now("READY", D.ready(self.gateway_url))
                await self._dispatch_now("GUILD_CREATE", D.guild_create())
                frame["_ready_sent"] = True  # only now may a test dispatch events to this client
            elif op == 6:  # RESUME
                self._ws, self._zlib = ws, zctx
                await self._dispatch_now("RESUMED", {})
            await self._notify()
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push a DISPATCH (op 0) frame, e.g. dispatch("INTERACTION_CREATE", payload), to the live client."""
        if not self.identifies or self._ws is None or self._ws.closed:
            raise AssertionError("no identified gateway client to dispatch to")
        await self._dispatch_now(event, data)

    async def _dispatch_now(self, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        if event == "INTERACTION_CREATE" and "id" in data:
            self.interaction_types[str(data["id"])] = data.get("type", 0)
        await self._send(self._ws, self._zlib, {"op": 0, "s": self._seq, "t": event, "d": data})

    async def send_raw(self, text: str) -> None:
        """A gateway frame exactly as given (for malformed-frame tests)."""
        assert self._ws is not None
        await self._send(self._ws, self._zlib, None, raw=text)

    @staticmethod
    async def _send(ws: web.WebSocketResponse | None, zctx: Any, frame: dict[str, Any] | None, *, raw: str | None = None) -> None:
        assert ws is not None
        text = raw if raw is not None else json.dumps(frame)
        if zctx is not None:
            await ws.send_bytes(zctx.compress(text.encode()) + zctx.flush(zlib.Z_SYNC_FLUSH))
        else:
            await ws.send_str(text)
