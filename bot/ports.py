"""The two doors: Adapter (how the core reaches a platform) and Bot (how a platform reaches the core), and what both sides share."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.messages import CommandContext, MemberRef, Reply

log = logging.getLogger(__name__)


class AdapterError(Exception):
    """A platform cannot be used as asked (bad token, unreachable API); the message says why and what to do."""


class SendFailed(AdapterError):
    """The platform refused one message. `permanent` is True when retrying cannot help (no access, DMs closed)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Target(BaseModel):
    """Where a message goes: a channel, a thread under a message in it, or a member's DMs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    space: str = ""
    channel: str | None = None
    thread: str | None = None
    user_id: str | None = None


class SentRef(BaseModel):
    """The platform's reference to a sent message, enough to reply in its thread later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    channel: str
    message_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.channel}:{self.message_id}"

    @classmethod
    def parse(cls, text: str) -> SentRef:
        platform, channel, message_id = text.split(":", 2)
        return cls(platform=platform, channel=channel, message_id=message_id)


class ChannelAccess(BaseModel):
    """Whether the bot can post and upload in a channel; `note` is what the lead should read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    note: str = ""


class Adapter(Protocol):
    """A chat platform, after opsdroid's connector: connect, listen, send, disconnect.

    Platform adapters take a keyword-only `serve=True`; with `serve=False` connect() does only
    what send() needs (a one-shot CLI process beside a running bot must not take its events).
    """

    name: str

    async def connect(self) -> None:
        """Log in and get ready; raise with a clear message when credentials are wrong."""

    async def listen(self) -> None:
        """Serve events until disconnect() is called or the source ends."""

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """Post a reply; the scheduler uses this for daily posts, reveals and review DMs.

        Raises SendFailed when the platform refuses the message (check `.permanent`)."""

    async def disconnect(self) -> None:
        """Stop listening and release connections; safe to call twice."""

    async def prepare_channel(self, channel: str) -> ChannelAccess:
        """Make sure the bot can post and upload in `channel` (join it where the platform allows),
        before a lead relies on it; never raises: a problem is `ok=False` with the fix in `note`."""


class Bot(Protocol):
    """The core as a platform sees it: the only door adapters use (after Hubot's one `receive`).

    None of these raise: a busy database or an unexpected failure comes back as a private
    Notice that says nothing was recorded, in the same words on every platform.
    """

    async def command(self, ctx: CommandContext, text: str) -> Reply:
        """Run `/drill <text>` for `ctx.member`."""

    async def answer(self, member: MemberRef, delivery_id: str, letter: str) -> Reply:
        """Record `member`'s answer to a delivered drill; a repeat returns the first feedback."""

    async def home(self, member: MemberRef) -> Reply:
        """The member's altitude, streak and reviews (a StatsView), for a home tab."""

    async def first_time(self, platform: str, key: str, *, within: float | None = None) -> bool:
        """Whether no process on this database has acted on this platform delivery key before
        (a retry, a replay, a double click). A store that cannot answer, or not `within` seconds
        (a platform's ack deadline), says True: what follows is idempotent by its own keys, so
        acting twice is safer than dropping a request."""

    async def space_of(self, member: MemberRef, delivery_id: str) -> str:
        """The space (team, server) a delivery belongs to, for an answer from a DM that cannot say.

        Returns "dm" when the delivery is unknown or from another platform."""


class Check(BaseModel):
    """One thing readiness depends on: the database, a platform connection, the scheduler."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    ok: bool
    detail: str = ""


class Readiness(BaseModel):
    """Whether this process can do its work now; `checks` says what is not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ready: bool
    checks: tuple[Check, ...] = ()


class Health(Protocol):
    """What the operator endpoints (/healthz, /readyz, /metrics) ask the core; none of these raise."""

    async def readiness(self) -> Readiness:
        """Database reachable, every platform connected, the scheduler ticking."""

    async def metrics(self) -> tuple[bytes, str]:
        """The Prometheus text exposition and its content type, gauges refreshed from the database."""


class InFlight:
    """The tasks tracked until they end: a Discord interaction, an acked Slack request, a scheduler wake.

    Discord never re-sends an interaction and Slack never re-sends a request it saw acked, so a
    stop (a rolling deploy's SIGTERM) that cancelled one would lose a member's answer or reply.
    """

    def __init__(self, what: str) -> None:
        self.what = what  # for the log line, e.g. "Discord interaction(s) in flight"
        self._tasks: set[asyncio.Task[Any]] = set()

    def track(self, task: asyncio.Task[Any] | None = None) -> None:
        """Count `task` (by default the current one) until it ends; tracking it twice is harmless."""
        task = task or asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def running(self) -> set[asyncio.Task[Any]]:
        """The tracked tasks not yet done, the caller's own left out (it may be one of them)."""
        me = asyncio.current_task()
        return {t for t in self._tasks if not t.done() and t is not me}

    async def settle(self, timeout: float) -> int:
        """Wait up to `timeout` s for the tasks, those tracked meanwhile included (a connection
        still open may bring more); returns how many did not finish."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        said = False
        while running := self.running():
            left = deadline - loop.time()
            if left <= 0:
                return len(running)
            if not said:
                log.info("waiting for %d %s", len(running), self.what)
                said = True
            await asyncio.wait(running, timeout=left)
        return 0
