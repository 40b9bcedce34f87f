"""The Discord adapter: discord.py on serve()'s event loop, behind the four verbs of bot.ports.Adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from adapters.discord_adapter.client import DiscordRouting, DrillClient
from adapters.discord_adapter.interactions import InteractionHandler
from adapters.discord_adapter.render import limit_problems, render_message
from adapters.discord_adapter.setup import NO_TOKEN
from adapters.discord_adapter.views import send_kwargs
from bot.messages import Reply, Reveal
from bot.ports import AdapterError, SendFailed, SentRef, Target

if TYPE_CHECKING:
    from bot.ports import Bot
    from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord allows 50 requests/s per bot (topics/rate-limits.mdx); bulk sends keep headroom below it.
REQUESTS_PER_SECOND = 40.0
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
PERMANENT_CODES = {10003, 10004, 10008, 10013, 50001, 50007, 50013, 50035}  # unknown channel/guild/message/user,
# missing access, cannot DM this user, missing permissions, invalid form body


class RequestPacer:
    """Spaces REST calls to at most `rate` per second; reservations are taken in call order.

    `monotonic` and `sleep` are injected so tests check the pace without waiting on a clock.
    """

    def __init__(self, rate: float = REQUESTS_PER_SECOND, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        now = self.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self.sleep(slot - now)


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
        self.ready_timeout = ready_timeout
        self._gateway: asyncio.Task[None] | None = None

    # -- the port ------------------------------------------------------------------------------
    async def connect(self) -> None:
        if not self._token:
            raise AdapterError(NO_TOKEN)
        self.routing.apply()
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

    async def disconnect(self) -> None:
        if not self.client.is_closed():
            await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._gateway
        self.routing.restore()

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """A channel post, a reply in the thread under a post, or a DM, with persistent buttons."""
        try:
            user_id, channel_id, thread_id = (int(x) if x else None for x in (target.user_id, target.channel, target.thread))
        except ValueError:
            raise SendFailed(f"not a Discord id in {target!r}", permanent=True) from None
        if user_id is None and channel_id is None:
            raise SendFailed(f"a Discord target needs a channel or a user_id, got {target!r}", permanent=True)
        # In a DM, Discord does not say which server a button belongs to, so command buttons carry it.
        message = render_message(reply, space=(target.space or None) if user_id else None)
        problems = limit_problems(message.payload)
        if problems:
            raise SendFailed(f"a {type(reply).__name__} does not fit Discord's limits: {'; '.join(problems)}", permanent=True)
        try:
            kwargs = send_kwargs(message)
        except ValueError as exc:
            raise SendFailed(f"a {type(reply).__name__} cannot be sent: {exc}", permanent=True) from None
        await self._ready()
        try:
            if user_id is not None:
                dm = await self._paced(self.client.create_dm(discord.Object(user_id)))
                sent = await self._paced(dm.send(**kwargs))
                return SentRef(platform=self.name, channel=str(dm.id), message_id=str(sent.id))
            assert channel_id is not None
            if thread_id is not None:
                name = reply.title if isinstance(reply, Reveal) else "Saga Drills"
                thread = await self._thread(channel_id, thread_id, name)
                sent = await self._paced(thread.send(**kwargs))
                return SentRef(platform=self.name, channel=str(thread.id), message_id=str(sent.id))
            channel = await self._channel(channel_id)
            sent = await self._paced(channel.send(**kwargs))
            return SentRef(platform=self.name, channel=str(channel.id), message_id=str(sent.id))
        except discord.HTTPException as exc:
            where = f"user {user_id}" if user_id else f"channel {channel_id}"
            raise SendFailed(f"Discord refused a message to {where}: {exc.status} {exc.text or exc} (code {exc.code})",
                             permanent=exc.code in PERMANENT_CODES or exc.status in (401, 403, 404)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise SendFailed(f"cannot reach Discord's API: {type(exc).__name__}: {exc}", permanent=False) from None

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

    async def _paced(self, call: Awaitable[T]) -> T:
        await self.pacer.wait()
        return await call

    async def _channel(self, channel_id: int) -> Any:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            channel = await self._paced(self.client.fetch_channel(channel_id))
        return channel

    async def _thread(self, channel_id: int, message_id: int, name: str) -> Any:
        """The thread under a post: created on first use; a thread started from a message shares its id."""
        existing = self.client.get_channel(message_id)
        if isinstance(existing, discord.Thread):
            return existing
        channel = await self._channel(channel_id)
        try:
            # Thread names are 1-100 characters; a day is the shortest auto-archive that fits a reveal.
            return await self._paced(channel.get_partial_message(message_id).create_thread(
                name=name[:100] or "Saga Drills", auto_archive_duration=1440))
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        guild_id = getattr(getattr(channel, "guild", None), "id", None)
        return self.client.get_partial_messageable(message_id, guild_id=guild_id, type=discord.ChannelType.public_thread)
