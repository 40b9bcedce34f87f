"""users.info behind the cache: time zones for members, a briefly trusted admin flag for leads."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_adapter.directory import SlackUserDirectory
from adapters.slack_adapter.listeners import RecentKeys
from tests.fakes.fake_slack import BOT_TOKEN


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_admins_lead_and_a_demotion_counts_within_a_minute(fake_slack):
    clock = Clock()
    directory = SlackUserDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url), monotonic=clock)
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is True
    assert await directory.is_lead("T0SAGA", "U0ALICE") is False
    fake_slack.users["U0ADMIN"]["is_admin"] = False
    clock.now = 30
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is True  # cached briefly
    clock.now = 61
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is False  # checked again on Slack
    assert len(fake_slack.of("users.info")) == 3


async def test_members_carry_their_time_zone_and_profiles_are_cached(fake_slack):
    clock = Clock()
    directory = SlackUserDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url), monotonic=clock)
    alice = await directory.member("T0SAGA", "U0ALICE", "alice")
    assert (alice.key, alice.display_name, alice.tz) == ("slack:T0SAGA:U0ALICE", "alice", "Europe/Berlin")
    bob = await directory.member("T0SAGA", "U0BOB")  # no name in the payload: the profile's
    assert bob.display_name == "Bob Example" and bob.tz == "America/New_York"
    clock.now = 3600
    await directory.member("T0SAGA", "U0ALICE", "alice")
    assert len(fake_slack.of("users.info")) == 2


async def test_a_failing_users_info_still_gives_a_member(fake_slack, caplog):
    caplog.set_level(logging.WARNING)
    directory = SlackUserDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url))
    ghost = await directory.member("T0SAGA", "U0GHOST", "ghost")
    assert ghost.tz is None and ghost.display_name == "ghost"
    assert await directory.is_lead("T0SAGA", "U0GHOST") is False
    assert any("users.info for U0GHOST failed (user_not_found)" in r.getMessage() for r in caplog.records)


def test_recent_keys_forget_after_their_window():
    clock = Clock()
    keys = RecentKeys(ttl=300, monotonic=clock)
    assert keys.first_time("event:Ev1") and not keys.first_time("event:Ev1")
    clock.now = 301
    assert keys.first_time("event:Ev1")


async def test_an_expired_admin_flag_is_never_trusted_while_slack_cannot_answer(fake_slack):
    clock = Clock()
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    client.retry_handlers = []  # the failure must reach the directory, not be retried away
    directory = SlackUserDirectory(client, monotonic=clock)
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is True
    clock.now = 61  # the cached flag has expired; Slack now fails (a demotion it cannot report)
    fake_slack.fail("users.info", status=200, error="internal_error")
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is False
    member = await directory.member("T0SAGA", "U0ADMIN")  # the name and zone may still come from the cache
    assert member.user_id == "U0ADMIN"
    assert await directory.is_lead("T0SAGA", "U0ADMIN") is True  # Slack answers again: the flag is fresh
