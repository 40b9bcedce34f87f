"""Discord messages out: channel posts, replies in a post's thread and DMs, paced under Discord's limit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.discord_adapter.render import limit_problems, render_message
from adapters.discord_adapter.views import send_kwargs
from bot.messages import Reply, Reveal
from bot.ports import SendFailed, SentRef, Target

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


class DiscordSender:
    """Sends one neutral reply to a Discord target over the client's REST session."""

    name = "discord"

    def __init__(self, client: discord.Client, pacer: RequestPacer, *, ready: Callable[[], Awaitable[None]]) -> None:
        self.client = client
        self.pacer = pacer
        self._ready = ready  # the adapter's lifecycle says when sending can start

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
