"""The Discord adapter's lifecycle: discord.py on serve()'s event loop, behind the four verbs of bot.ports.Adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from adapters.discord_adapter.client import DiscordRouting, DrillClient
from adapters.discord_adapter.interactions import InteractionHandler
from adapters.discord_adapter.sender import REQUESTS_PER_SECOND, DiscordSender, RequestPacer
from adapters.discord_adapter.setup import NO_TOKEN
from bot.messages import Reply
from bot.ports import AdapterError, ChannelAccess, SendFailed, SentRef, Target

if TYPE_CHECKING:
    from bot.ports import Bot
    from bot.settings import Settings

log = logging.getLogger(__name__)
# On stop, how long interactions already being handled may still finish (record, reply); within
# a container platform's usual 30 s grace before SIGKILL, as the Slack adapter's.
SETTLE_SECONDS = 10.0


class DiscordAdapter:
    """Serves `/drill` and answer buttons on Discord, and posts cards, reveals and review DMs.

    One event loop: connect() logs in over REST and starts the gateway as a task on the running
    loop, listen() awaits that task, disconnect() closes the client. Commands are not synced
    here (that is `saga-drills discord sync-commands`), so a restart costs no API calls.
    """

    name = "discord"

    def __init__(self, settings: Settings, bot: Bot, *, token: str | None = None, lead_role: str | None = None,
                 guild_ids: tuple[int, ...] | None = None,
                 api_base_url: str | None = None, gateway_url: str | None = None,
                 requests_per_second: float = REQUESTS_PER_SECOND, ready_timeout: float = 30.0,
                 serve: bool = True, **client_options: Any) -> None:
        # serve=False: a one-shot CLI process that only sends (`schedule run-now`). It logs in over
        # REST and opens no gateway session, which would receive the running bot's interactions too.
        self.serve = serve
        self._token = token or (settings.discord_token.get_secret_value() if settings.discord_token else None)
        try:
            self.routing = DiscordRouting(api_base_url or settings.discord_api_base_url,
                                          gateway_url or settings.discord_gateway_url)
        except ValueError as exc:
            raise AdapterError(str(exc)) from None
        self.handler = InteractionHandler(bot, lead_role=lead_role or settings.discord_lead_role,
                                          guild_ids=settings.discord_guild_ids if guild_ids is None else guild_ids)
        self.client = DrillClient(self.handler, **client_options)
        self.pacer = RequestPacer(requests_per_second)
        self.sender = DiscordSender(self.client, self.pacer, ready=self._ready)
        self.ready_timeout = ready_timeout
        self._gateway: asyncio.Task[None] | None = None
        self._limits = _RateLimitCount()

    # -- the port ------------------------------------------------------------------------------
    async def connect(self) -> None:
        if not self._token:
            raise AdapterError(NO_TOKEN)
        self.routing.apply()
        logging.getLogger("discord.http").addFilter(self._limits)
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self._abort()
            raise AdapterError("Discord rejected DISCORD_TOKEN (401 Unauthorized); reset the token in the Developer "
                               "Portal (Bot → Reset Token) and set it again") from None
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            await self._abort()
            raise AdapterError(f"cannot reach Discord's API at {self.routing.api}: {type(exc).__name__}: {exc}") from None
        if not self.serve:
            log.info("discord: logged in as application %s to send only (no gateway)", self.client.application_id)
            return
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        log.info("discord: logged in as application %s; connecting to the gateway", self.client.application_id)

    async def listen(self) -> None:
        if self._gateway is None:
            raise AdapterError("the Discord adapter is not connected; call connect() first")
        try:
            await self._gateway
        except discord.PrivilegedIntentsRequired:
            raise AdapterError("Discord refused the gateway intents; Saga Drills needs none of the privileged ones, "
                               "so check that nothing enabled them") from None
        except discord.ConnectionClosed as exc:
            hint = " (the token was rejected)" if exc.code == 4004 else ""
            raise AdapterError(f"the Discord gateway closed the connection with code {exc.code}{hint}") from None

    async def prepare_channel(self, channel: str) -> ChannelAccess:
        """Nothing to join on Discord: a bot posts where its role may; a refusal names the permission
        when the post is sent (SendFailed), so the lead hears it then."""
        return ChannelAccess(ok=True)

    async def connected(self) -> bool:
        """Serving: the gateway websocket is open (interactions arrive); send-only: logged in over REST.

        Not is_ready(): discord.py sets that only after waiting out guild chunks, seconds after
        interactions already flow, and clears it on no reconnect; the socket is what serves."""
        if self.client.is_closed():
            return False
        ws = self.client.ws
        return not self.serve or (ws is not None and ws.open)

    @property
    def rate_limited(self) -> int:
        """429s discord.py met and waited out (it retries them itself and says so in its log)."""
        return self._limits.seen

    async def disconnect(self) -> None:
        logging.getLogger("discord.http").removeFilter(self._limits)
        # Before the client closes its HTTP session: a deferred interaction still has to send its
        # reply (a rolling deploy's SIGTERM must not lose an answer Discord will never resend).
        if self.serve and not self.client.is_closed():
            if (late := await self.client.settle(SETTLE_SECONDS)):
                log.warning("stopped with %d Discord interaction(s) unfinished after %.0f s", late, SETTLE_SECONDS)
        if not self.client.is_closed():
            await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._gateway
        self.routing.restore()

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """A channel post, a reply in the thread under a post, or a DM, with persistent buttons."""
        return await self.sender.send(target, reply)

    # -- helpers -------------------------------------------------------------------------------
    async def _abort(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.close()
        self.routing.restore()

    async def _ready(self) -> None:
        if not self.serve:
            if self.client.is_closed() or self.client.http.token is None:
                raise SendFailed("the Discord adapter is not connected", permanent=False)
            return  # REST is enough to send; there is no gateway to wait for
        if self._gateway is None:
            raise SendFailed("the Discord adapter is not connected", permanent=False)
        try:
            await asyncio.wait_for(self.client.wait_until_ready(), self.ready_timeout)
        except asyncio.TimeoutError:
            raise SendFailed(f"Discord's gateway was not ready within {self.ready_timeout:.0f} s", permanent=False) from None


class _RateLimitCount(logging.Filter):
    """Counts discord.py's "responded with 429" lines: its HTTP client handles 429s inside and
    exposes no hook, and its log line is the one place each one shows (discord/http.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "responded with 429" in str(record.msg):
            self.seen += 1
        return True
