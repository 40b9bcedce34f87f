"""Bolt listeners: /drill, answer and command buttons, the App Home. Each acks first, then works."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.slack_adapter.render import ANSWER_ACTION, COMMAND_ACTION, parse_answer_value, render_home
from adapters.slack_adapter.sender import Caller, SlackSender
from bot.ports import InFlight
from bot.messages import STALE_BUTTON, CommandContext, Notice

if TYPE_CHECKING:
    from adapters.slack_adapter.directory import SlackUserDirectory
    from bot.ports import Bot

log = logging.getLogger(__name__)

# How long a request's ack may wait for the shared claim of its key. Slack wants the ack within
# 3 s (api.slack.com/interactivity/handling#acknowledgment_response), and a database file another
# process holds locked answers only after its 5 s busy timeout: past this budget the request is
# acted on unclaimed, as when the store cannot answer (an answer still counts once, by its key).
CLAIM_BUDGET_S = 1.0


class RecentKeys:
    """Keys seen in the last `ttl` seconds; Slack re-delivers an event up to 3 times in ~5 min."""

    def __init__(self, *, ttl: float = 15 * 60, max_entries: int = 20_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.monotonic = monotonic
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is offered within the window, False for a repeat."""
        now = self.monotonic()
        while self._seen and (len(self._seen) >= self.max_entries or next(iter(self._seen.values())) < now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def caller_of(body: dict[str, Any]) -> Caller | None:
    """Team, user and reply route from a slash command, an interaction or an event; None if absent."""
    user = body.get("user")
    if isinstance(user, dict):  # interactions
        team = body.get("team") if isinstance(body.get("team"), dict) else {}
        team_id = (team or {}).get("id") or user.get("team_id")
        user_id, name = user.get("id"), user.get("username") or user.get("name") or ""
        channel = (body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) else None
    elif isinstance(body.get("event"), dict):  # Events API
        team_id, user_id, name = body.get("team_id"), body["event"].get("user"), ""
        channel = body["event"].get("channel")
    else:  # slash commands
        team_id, user_id, name = body.get("team_id"), body.get("user_id"), body.get("user_name") or ""
        channel = body.get("channel_id")
    if not (isinstance(team_id, str) and team_id and isinstance(user_id, str) and user_id):
        return None
    url = body.get("response_url")
    return Caller(team_id=team_id, user_id=user_id, name=str(name), channel=channel,
                  response_url=url if isinstance(url, str) and url else None)


def delivery_key(body: dict[str, Any]) -> str | None:
    """What stays the same when Slack re-sends a request: the event id, or the click's trigger id."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


class SlackListeners:
    """Translates Bolt requests into calls on the core's door and sends the replies back."""

    def __init__(self, bot: Bot, directory: SlackUserDirectory, sender: SlackSender, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.directory = directory
        self.sender = sender
        self.recent = RecentKeys(monotonic=monotonic)
        # Listener runs that already acked: Slack will not send them again, so a stop waits for them.
        self.acked = InFlight("Slack request(s) already acknowledged")

    async def settle(self, timeout: float) -> int:
        """Wait up to `timeout` s for acked listener runs to finish; returns how many did not."""
        return await self.acked.settle(timeout)

    def install(self, bolt: AsyncApp) -> None:
        bolt.middleware(self.skip_repeats)
        bolt.command(re.compile(r"^/"))(self.on_command)  # /drill, or whatever a team renamed it to
        bolt.action(re.compile(rf"^{ANSWER_ACTION}[A-Z]$"))(self.on_answer)
        bolt.action(re.compile(rf"^{COMMAND_ACTION}\d+$"))(self.on_command_button)
        bolt.action(re.compile(r".*"))(self.on_unknown_action)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.event(re.compile(r".*"))(self.on_other_event)
        bolt.error(self.on_error)

    # -- middleware --------------------------------------------------------------------------
    async def skip_repeats(self, req: AsyncBoltRequest, resp: BoltResponse,
                           next: Callable[[], Awaitable[None]]) -> BoltResponse:
        """Slack retries events (X-Slack-Retry-Num 1–3) and may re-send a click; act on each once."""
        key = delivery_key(req.body) if isinstance(req.body, dict) else None
        # Memory first (free); then the database, which every worker shares: a retry that lands
        # on another worker, or a signed request replayed after a restart, is acted on once.
        if key is not None and (not self.recent.first_time(key) or not await self.bot.first_time("slack", key, within=CLAIM_BUDGET_S)):
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("skipped a repeated Slack delivery (%s, retry %s)", key.partition(":")[0], retry)
            return BoltResponse(status=200, body="")
        await next()
        return resp

    # -- slash command and command buttons ---------------------------------------------------
    async def on_command(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()  # within Slack's 3 s; the work happens after
        await self._safely(self._command(body, body.get("text")), what="slash command")

    async def on_command_button(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                                action: dict[str, Any]) -> None:
        """A button from a Notice or Table: runs `/drill <value>` for whoever clicked it."""
        await ack()
        await self._safely(self._command(body, action.get("value")), what="command button")

    async def _command(self, body: dict[str, Any], text: Any) -> None:
        caller = caller_of(body)
        if caller is None or not isinstance(text, str):
            log.warning("ignored a command without team or user id, or without text (keys: %s)", sorted(body)[:12])
            return
        directory = self.directory
        member = await directory.member(caller.team_id, caller.user_id, caller.name)
        ctx = CommandContext(member=member, channel=caller.channel,
                             is_lead=await directory.is_lead(caller.team_id, caller.user_id))
        reply = await self.bot.command(ctx, text)
        await self.sender.reply_privately(caller, reply)

    # -- answers -----------------------------------------------------------------------------
    async def on_answer(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()  # within Slack's 3 s; grading happens after
        await self._safely(self._answer(body, action), what="answer")

    async def _answer(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        caller = caller_of(body)
        if caller is None:
            log.warning("ignored an answer click without team or user id")
            return
        parsed = parse_answer_value(str(action.get("value") or ""))
        if parsed is None or parsed[1] != str(action.get("action_id", ""))[len(ANSWER_ACTION):]:
            log.warning("ignored an answer click with a malformed value (action_id %s)", str(action.get("action_id"))[:40])
            await self.sender.reply_privately(caller, STALE_BUTTON)
            return
        delivery_id, letter = parsed
        member = await self.directory.member(caller.team_id, caller.user_id, caller.name)
        reply = await self.bot.answer(member, delivery_id, letter)
        await self.sender.reply_privately(caller, reply)

    async def on_unknown_action(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                                action: dict[str, Any]) -> None:
        await ack()
        log.warning("ignored an unknown Slack action %r", str(action.get("action_id"))[:80])
        caller = caller_of(body)
        if caller is not None:
            await self._safely(self.sender.reply_privately(caller, STALE_BUTTON), what="unknown action")

    # -- events ------------------------------------------------------------------------------
    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") == "home":  # the Messages tab needs nothing from us
            await self._safely(self._publish_home(body), what="home tab")

    async def _publish_home(self, body: dict[str, Any]) -> None:
        caller = caller_of(body)
        if caller is None:
            log.warning("ignored app_home_opened without team or user id")
            return
        member = await self.directory.member(caller.team_id, caller.user_id)
        stats = await self.bot.home(member)
        if not isinstance(stats, Notice):
            await self.sender.publish_home(caller.user_id, render_home(stats))

    async def on_other_event(self, event: dict[str, Any]) -> None:
        log.warning("ignored an unexpected Slack event of type %r", str(event.get("type"))[:60])

    async def on_error(self, error: Exception, body: Any) -> None:
        # The body may hold response URLs and user text: log its kind, never its content.
        kind = body.get("type") or ("slash_command" if "command" in body else "unknown") if isinstance(body, dict) else "unknown"
        log.error("Slack %s request failed: %s", kind, type(error).__name__)
        # The traceback is for -v; it names code, not the request (whose body is never logged).
        log.debug("Slack %s request failure", kind, exc_info=(type(error), error, error.__traceback__))

    async def _safely(self, work: Awaitable[None], *, what: str) -> None:
        # After ack() a listener must not raise: Bolt would then drop the ack it already sent
        # and answer 404 after 3 s. Log the failure instead; the member was told (or nothing ran).
        self.acked.track()  # until this listener run ends
        try:
            await work
        except Exception as exc:
            log.error("Slack %s failed after the ack: %s: %s", what, type(exc).__name__, exc)
            log.debug("Slack %s failure", what, exc_info=True)  # for -v: code, never the request
