"""Slack's Web API going out: posts, charts, private replies and DMs, with Slack's error codes mapped to SendFailed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack_adapter.pacing import ChannelPacer
from adapters.slack_adapter.render import limit_problems, render_payload
from bot.messages import Notice, Reply, Table
from bot.ports import ChannelAccess, SendFailed, SentRef, Target

log = logging.getLogger(__name__)

# Seconds a private reply may take in all, retries' waits aside: slack-sdk's webhook default.
WEBHOOK_TIMEOUT_S = 30
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"}

# Slack error codes after which sending the same message again cannot succeed.
_PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_blocks_format",
              "msg_too_long", "no_text", "cannot_dm_bot", "user_not_found", "user_disabled", "missing_scope",
              "not_allowed_token_type", "restricted_action", "thread_not_found", "invalid_arguments",
              "too_many_attachments", "messages_tab_disabled", "channel_is_archived", *AUTH_ERRORS}


@dataclass(frozen=True)
class Caller:
    """The person behind a payload, as far as Slack told us."""

    team_id: str
    user_id: str
    name: str
    channel: str | None
    response_url: str | None


class CountingRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 handler (waits out Retry-After), counting every 429 for /metrics."""

    seen = 0

    async def can_retry_async(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        if response is not None and response.status_code == 429:
            self.seen += 1
        return await super().can_retry_async(state=state, request=request, response=response, error=error)


def retry_handlers(*, interval: RetryIntervalCalculator | None = None) -> list[AsyncRetryHandler]:
    """slack-sdk's own handlers: 429 waits out Retry-After; dropped connections and 500/503 back off."""
    interval = interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)  # 0.5 s, 1 s, plus jitter
    return [
        CountingRateLimitHandler(max_retry_count=3),
        AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
        AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
    ]


class SlackSender:
    """Everything the bot sends to Slack; the listeners and the adapter both send through it."""

    def __init__(self, client: AsyncWebClient, *, retry: list[AsyncRetryHandler], pacer: ChannelPacer) -> None:
        self.client = client
        self.retry_handlers = retry
        self.pacer = pacer
        self._dm_channels: dict[str, str] = {}
        self._hooks: aiohttp.ClientSession | None = None

    async def join(self, channel: str) -> ChannelAccess:
        """Be a member of `channel` so posts and chart uploads both work there; the note says what happened."""
        invite = "invite me with `/invite @Saga Drills` in the channel"
        try:
            response = await self.client.conversations_join(channel=channel)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error")
            if error == "method_not_supported_for_channel_type":
                # A private channel (or a DM): Slack lets no app join one; only an invite adds it.
                return ChannelAccess(ok=True, note=f"This is a private channel: if I'm not in it yet, {invite}, "
                                                   "or the daily post and its charts will not arrive.")
            if error == "missing_scope":
                return ChannelAccess(ok=False, note=f"I can't join channels (the app lacks the channels:join scope: "
                                                    f"reinstall it from `saga-drills slack manifest`), so {invite}.")
            if error == "is_archived":
                return ChannelAccess(ok=False, note="This channel is archived, so nothing can be posted here.")
            log.warning("conversations.join %s failed: %s", channel, error)
            return ChannelAccess(ok=False, note=f"I couldn't join this channel ({error}); {invite}.")
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            log.warning("conversations.join %s failed: %s", channel, type(exc).__name__)
            return ChannelAccess(ok=False, note=f"I couldn't reach Slack to join this channel; {invite}, or try again.")
        if "already_in_channel" in (response.get("warning") or "", *(response.get("response_metadata") or {}).get("warnings", ())):
            return ChannelAccess(ok=True)
        log.info("joined Slack channel %s", channel)
        return ChannelAccess(ok=True, note="I joined this channel, so the posts and their charts can arrive here.")

    async def send(self, target: Target, reply: Reply) -> SentRef:
        """Post to a channel, into a thread (target.thread = the parent ts), or to a member's DMs."""
        if target.channel:
            channel = target.channel
        elif target.user_id:
            channel = await self.dm_channel(target.user_id)
        else:
            raise SendFailed(f"a Slack target needs a channel or a user_id, got {target!r}", permanent=True)
        payload = render_payload(reply)
        if problems := limit_problems(payload):
            raise SendFailed(f"a {type(reply).__name__} does not fit Slack's limits: {'; '.join(problems)}", permanent=True)
        async with self.pacer.slot(channel):
            response = await self._api("chat.postMessage", self.client.chat_postMessage(
                channel=channel, thread_ts=target.thread, unfurl_links=False, unfurl_media=False, **payload))
        channel = response.get("channel") or channel
        ts = response["ts"]
        if isinstance(reply, Table) and reply.image is not None:
            await self.upload_chart(channel, target.thread, reply)
        return SentRef(platform="slack", channel=channel, message_id=ts)

    async def upload_chart(self, channel: str, thread: str | None, table: Table, *, comment: str | None = None) -> bool:
        """The chart goes right under its table. The table's text is already posted, so a failed
        upload is logged, not raised: raising would make a caller re-post the table."""
        assert table.image is not None
        try:
            async with self.pacer.slot(channel):
                await self._api("files.upload", self.client.files_upload_v2(
                    channel=channel, thread_ts=thread, file=table.image.data, filename=table.image.filename,
                    title=table.title, alt_txt=table.image.alt, initial_comment=comment))
        except SendFailed as exc:
            log.warning("delivered %r but not its chart to %s: %s", table.title, channel, exc)
            return False
        except Exception as exc:  # whatever the SDK raises, the table still arrives, with a note
            log.warning("delivered %r but not its chart to %s: unexpected %s", table.title, channel, type(exc).__name__)
            log.debug("chart upload failure", exc_info=True)
            return False
        return True

    # -- private replies -------------------------------------------------------------------
    async def reply_privately(self, caller: Caller, reply: Reply) -> None:
        """Only the caller sees it: ephemeral through the response_url, else a direct message."""
        if caller.response_url:
            if isinstance(reply, Table) and reply.image is not None:
                reply = await self._chart_to_dm(caller, reply)
            payload = render_payload(reply)
            if problems := limit_problems(payload):
                log.error("a private %s does not fit Slack's limits: %s", type(reply).__name__, "; ".join(problems))
                payload = render_payload(Notice(text="That reply is too big for Slack; nothing was lost.", level="error"))
            payload.update(response_type="ephemeral", replace_original=False)
            hook = AsyncWebhookClient(caller.response_url, session=self._hook_session(),
                                      retry_handlers=[*self.retry_handlers])
            try:
                response = await hook.send_dict(payload)
            except (SlackClientError, aiohttp.ClientError, OSError) as exc:
                log.warning("private reply via response_url failed: %s", type(exc).__name__)
                return
            if response.status_code != 200:
                log.warning("Slack refused a private reply (HTTP %d: %s)", response.status_code, str(response.body)[:200])
            return
        try:
            await self.send(Target(platform="slack", space=caller.team_id, user_id=caller.user_id), reply)
        except SendFailed as exc:
            log.warning("could not DM a reply to %s: %s", caller.user_id, exc)

    def _hook_session(self) -> aiohttp.ClientSession:
        """One HTTP session for every response_url reply, so they share kept-alive connections.

        Without one, slack-sdk's webhook client opens a session per reply, and so a new
        connection (a TLS handshake with hooks.slack.com) for every click's feedback, and closes
        it after: on a burst, that was a fifth of the event loop's work per click
        (benchmarks/slack_path.py --tasks).
        """
        if self._hooks is None or self._hooks.closed:
            # slack-sdk's own per-reply session has this total timeout (AsyncWebhookClient.timeout).
            self._hooks = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S))
        return self._hooks

    async def close(self) -> None:
        """Close the replies' HTTP session (the adapter's stop, once no listener is left to reply)."""
        hooks, self._hooks = self._hooks, None
        if hooks is not None:
            await hooks.close()

    async def _chart_to_dm(self, caller: Caller, table: Table) -> Table:
        """An ephemeral message cannot carry a file (Slack's answer in slackapi/node-slack-sdk#1790),
        and an image block needs a URL the viewer can open, which would make the chart public. So
        the chart goes to the member's DM with the bot, which only they see (conversations.open,
        im:write), and the private table says where it went."""
        assert table.image is not None
        try:
            dm: str | None = await self.dm_channel(caller.user_id)
        except Exception as exc:  # SendFailed, or anything unexpected: the table must still arrive
            log.warning("could not open a DM with %s for a chart: %s", caller.user_id, exc if isinstance(exc, SendFailed)
                        else f"unexpected {type(exc).__name__}")
            dm = None
        sent = dm is not None and await self.upload_chart(dm, None, table, comment=f"Your chart for “{table.title}”.")
        note = (":bar_chart: Chart sent to your DMs with me." if sent
                else "The chart could not be sent to your DMs just now; the table has the same figures.")
        return table.model_copy(update={"footer": "\n".join(x for x in (table.footer, note) if x)})

    async def dm_channel(self, user_id: str) -> str:
        channel = self._dm_channels.get(user_id)
        if channel is None:
            response = await self._api("conversations.open", self.client.conversations_open(users=user_id))
            channel = response["channel"]["id"]
            self._dm_channels[user_id] = channel
        return channel

    async def _api(self, method: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise SendFailed(f"Slack {method} failed: {error}", permanent=error in _PERMANENT) from None
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            raise SendFailed(f"Slack {method} failed: {type(exc).__name__}", permanent=False) from None

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """The member's App Home tab."""
        await self.client.views_publish(user_id=user_id, view=view)
