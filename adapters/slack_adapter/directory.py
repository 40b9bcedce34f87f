"""Who a Slack user is, from users.info, cached: the member's time zone and whether they lead."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import MemberRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackProfile:
    """What users.info told us about one user, and when (monotonic seconds)."""

    name: str
    tz: str | None
    is_admin: bool
    fetched_at: float


class SlackUserDirectory:
    """users.info behind a small cache.

    Profiles (name, tz) are kept for `profile_ttl`; the admin flag behind lead checks is only
    trusted for `lead_ttl`, so a demoted admin loses lead commands within a minute. When
    users.info fails (missing users:read scope, rate limit) the member still works, without
    a time zone and without lead rights from Slack; SAGA_DRILLS_LEADS still applies.
    """

    def __init__(self, client: AsyncWebClient, *, profile_ttl: float = 6 * 3600, lead_ttl: float = 60,
                 max_entries: int = 10_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.profile_ttl = profile_ttl
        self.lead_ttl = lead_ttl
        self.max_entries = max_entries
        self.monotonic = monotonic
        self._cache: OrderedDict[tuple[str, str], SlackProfile] = OrderedDict()

    async def member(self, team_id: str, user_id: str, name: str = "") -> MemberRef:
        """The member as the engine knows them; `name` is the user name in the payload."""
        profile = await self._profile(team_id, user_id, max_age=self.profile_ttl)
        display = name or (profile.name if profile else "")
        return MemberRef(platform="slack", space=team_id, user_id=user_id, display_name=display,
                         tz=profile.tz if profile else None)

    async def is_lead(self, team_id: str, user_id: str) -> bool:
        """Workspace admins and owners lead; checked against a fresh (≤ lead_ttl) users.info."""
        profile = await self._profile(team_id, user_id, max_age=self.lead_ttl)
        # Fail closed: when users.info cannot answer, _profile hands back the cached profile for
        # the member's name and zone, but an admin flag older than lead_ttl is never trusted
        # (an admin demoted a minute ago must not start seasons). SAGA_DRILLS_LEADS still applies.
        return bool(profile and profile.is_admin and self.monotonic() - profile.fetched_at <= self.lead_ttl)

    async def _profile(self, team_id: str, user_id: str, *, max_age: float) -> SlackProfile | None:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        now = self.monotonic()
        if cached is not None and now - cached.fetched_at <= max_age:
            return cached
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info for %s failed (%s); going on without its time zone and admin flag",
                        user_id, exc.response.get("error", "unknown error"))
            return cached
        except (SlackClientError, OSError) as exc:
            log.warning("users.info for %s failed (%s); going on without it", user_id, type(exc).__name__)
            return cached
        profile = _profile_from(response.get("user") or {}, now)
        self._cache[key] = profile
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return profile


def _profile_from(user: dict[str, Any], now: float) -> SlackProfile:
    details = user.get("profile") or {}
    name = details.get("display_name") or details.get("real_name") or user.get("real_name") or user.get("name") or ""
    tz = user.get("tz") if isinstance(user.get("tz"), str) and user.get("tz") else None
    is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    return SlackProfile(name=name, tz=tz, is_admin=is_admin, fetched_at=now)
