"""The Slack adapter on slack-bolt's AsyncApp: Socket Mode or HTTP mode, posts, DMs and private replies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.health_adapter.adapter import health_routes
from adapters.slack_adapter.directory import SlackUserDirectory
from adapters.slack_adapter.gate import events_handler
from adapters.slack_adapter.listeners import SlackListeners
from adapters.slack_adapter.pacing import ChannelPacer
from adapters.slack_adapter.sender import AUTH_ERRORS, SlackSender, retry_handlers
from bot.messages import Reply
from bot.ports import AdapterError, ChannelAccess, SentRef, Target

if TYPE_CHECKING:
    from bot.ports import Bot, Health
    from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# On stop, how long requests Slack already got its 200 for may still finish (record, reply).
SETTLE_SECONDS = 10.0


class SlackSetupError(AdapterError):
    """Slack cannot be reached or refuses our tokens; the message says which setting to fix."""


class SlackAdapter:
    """Slack for Saga Drills. Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events."""

    name = "slack"

    def __init__(self, settings: Settings, bot: Bot, *, client: AsyncWebClient | None = None, mode: str | None = None,
                 http_host: str | None = None, http_port: int | None = None, health: Health | None = None, retry_interval: RetryIntervalCalculator | None = None,
                 pacer: ChannelPacer | None = None, socket_timeout: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic, serve: bool = True) -> None:
        self.settings = settings
        # serve=False: a one-shot CLI process that only sends (`schedule run-now`). It opens no
        # Socket Mode connection (Slack would share the app's events with it) and no HTTP port
        # (the running bot holds it); the Web API client is all that send() needs.
        self.serve = serve
        self.mode = mode or ("socket" if settings.slack_app_token else "http")
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        self._signing_secret = secret
        if serve and self.mode == "socket" and not settings.slack_app_token:
            raise SlackSetupError("Socket Mode needs SLACK_APP_TOKEN (an app-level xapp- token with connections:write)")
        if serve and self.mode == "http" and not secret:
            raise SlackSetupError("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)")
        if client is None:
            if not settings.slack_bot_token:
                raise SlackSetupError("SLACK_BOT_TOKEN is not set (OAuth & Permissions → Bot User OAuth Token, xoxb-…)")
            client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                                    base_url=_api_base(settings.slack_api_url))
        self.retry_handlers = retry_handlers(interval=retry_interval)
        client.retry_handlers = [*self.retry_handlers]
        self.client = client
        self.http_host = settings.slack_http_host if http_host is None else http_host
        self.health = health  # HTTP mode serves /healthz, /readyz and /metrics beside /slack/events
        self.socket_timeout = socket_timeout
        self.http_port = settings.slack_http_port if http_port is None else http_port
        self.pacer = pacer or ChannelPacer()
        self.directory = SlackUserDirectory(client, monotonic=monotonic)
        self.sender = SlackSender(client, retry=self.retry_handlers, pacer=self.pacer)
        with _quiet_bolt_token_warning():
            self.bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=False, name="saga-drills")
        self.listeners = SlackListeners(bot, self.directory, self.sender, monotonic=monotonic)
        self.listeners.install(self.bolt)
        self.team_id = ""
        self.bot_user_id = ""
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()

    # -- the Adapter port ------------------------------------------------------------------
    async def connect(self) -> None:
        """Check the bot token with auth.test, then open Socket Mode or start the HTTP endpoint."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error")
            hint = " (copy the Bot User OAuth Token, xoxb-…, from OAuth & Permissions)" if error in AUTH_ERRORS else ""
            raise SlackSetupError(f"Slack refused SLACK_BOT_TOKEN: {error}{hint}") from None
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            raise SlackSetupError(f"cannot reach the Slack Web API at {self.client.base_url} ({type(exc).__name__}); "
                                  "check SLACK_API_URL and the network") from None
        self.team_id, self.bot_user_id = auth.get("team_id", ""), auth.get("user_id", "")
        if not self.serve:
            return
        if self.mode == "socket":
            await self._open_socket()
        else:
            await self._start_http()

    async def listen(self) -> None:
        """Serve until disconnect(); Bolt and the Socket Mode client do the work in the background."""
        await self._stop.wait()

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """Post to a channel, into a thread (target.thread = the parent ts), or to a member's DMs."""
        return await self.sender.send(target, reply)

    async def prepare_channel(self, channel: str) -> ChannelAccess:
        """Join a public channel (conversations.join, scope channels:join): chat:write.public lets the
        bot post where it is not a member, but a chart upload there fails with not_in_channel."""
        return await self.sender.join(channel)

    async def connected(self) -> bool:
        """Socket Mode: the websocket is open and answering pings; HTTP mode: the port is served."""
        if self._socket is not None:
            socket_mode = self._socket.client
            return bool(await socket_mode.is_connected())
        return self._runner is not None or not self.serve

    @property
    def rate_limited(self) -> int:
        """429s the Web API returned so far (the retry handler waits them out)."""
        return sum(getattr(h, "seen", 0) for h in self.retry_handlers)

    @property
    def serves_health(self) -> bool:
        """True once HTTP mode serves the operator routes on the Slack port."""
        return self._runner is not None and self.health is not None

    async def disconnect(self) -> None:
        """Close the socket or the HTTP endpoint; safe to call twice."""
        self._stop.set()
        socket, self._socket = self._socket, None
        runner, self._runner = self._runner, None
        if socket is not None:
            await socket.close_async()
        if runner is not None:
            await runner.cleanup()
        # No new requests come in now; those already acked are the bot's to finish (a rolling
        # deploy's SIGTERM must not lose an answer Slack will never send again).
        if (late := await self.listeners.settle(SETTLE_SECONDS)):
            log.warning("stopped with %d acknowledged Slack request(s) unfinished after %.0f s", late, SETTLE_SECONDS)
        await self.sender.close()
        if socket is not None or runner is not None:
            log.info("Slack adapter stopped")

    async def _open_socket(self) -> None:
        token = self.settings.slack_app_token
        assert token is not None
        # Ask for the websocket URL ourselves first: slack-sdk's connect() retries any failure
        # forever (a wrong token included), logging a stack trace every few seconds.
        try:
            opened = await self.client.apps_connections_open(app_token=token.get_secret_value())
        except SlackApiError as exc:
            raise SlackSetupError(f"Slack refused SLACK_APP_TOKEN: {exc.response.get('error', 'unknown_error')} "
                                  "(Basic Information → App-Level Tokens, scope connections:write)") from None
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            raise SlackSetupError(f"cannot open Socket Mode ({type(exc).__name__}); check the network or use HTTP mode") from None
        self._socket = AsyncSocketModeHandler(self.bolt, app_token=token.get_secret_value(), web_client=self.client)
        self._socket.client.wss_uri = opened["url"]
        try:
            await asyncio.wait_for(self._socket.connect_async(), self.socket_timeout)
        except TimeoutError:
            await self._drop_socket()
            raise SlackSetupError(f"the Socket Mode websocket did not open within {self.socket_timeout:.0f} s; "
                                  "check the network or use HTTP mode") from None
        log.info("Slack Socket Mode connected (team %s)", self.team_id)

    async def _drop_socket(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.close_async()

    async def _start_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, events_handler(self.bolt, self._signing_secret))
        if self.health is not None:
            web_app.add_routes(health_routes(self.health))
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.http_host, self.http_port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SlackSetupError(f"cannot listen on {self.http_host}:{self.http_port} ({exc.strerror}); "
                                  "set SLACK_HTTP_PORT to a free port") from None
        self._runner = runner
        self.http_port = runner.addresses[0][1]
        log.info("Slack HTTP mode: listening on http://%s:%d%s (team %s)", self.http_host, self.http_port,
                 EVENTS_PATH, self.team_id)


@contextlib.contextmanager
def _quiet_bolt_token_warning() -> Iterator[None]:
    """Bolt also reads SLACK_BOT_TOKEN from the environment and then warns that the client we pass
    wins; that is intended here, so the misleading line is left out of the operator's log."""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    only_that = _DropMessage("`token` will be unused")
    bolt_log.addFilter(only_that)
    try:
        yield
    finally:
        bolt_log.removeFilter(only_that)


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _api_base(url: str) -> str:
    return url if url.endswith("/") else url + "/"
