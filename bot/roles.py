"""Process roles for `saga-drills run --role`: which platforms a process serves and whether it runs the clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROLES = ("all", "web", "clock", "discord")


@dataclass(frozen=True)
class RolePlan:
    """What one process does: the adapters it opens, whether they serve events, whether it ticks."""

    role: str
    adapters: tuple[str, ...]
    serve: bool
    clock: bool


class RoleError(ValueError):
    """The role cannot run with these settings; the message says what to set."""


def plan(role: str, *, configured: Sequence[str], asked: Sequence[str] | None) -> RolePlan:
    """The plan for `role`. Any number of web and clock processes may share one PostgreSQL database:
    web ones serve Slack's HTTP events and run no scheduler, clock ones tick and send only."""
    if role == "all":  # as before roles existed: every platform asked for or configured, and the clock
        return RolePlan(role, tuple(dict.fromkeys(asked or configured or ["console"])), serve=True, clock=True)
    if asked:
        raise RoleError(f"--role {role} chooses its platforms itself; leave out --adapter")
    if role == "web":
        if "slack" not in configured:
            raise RoleError("--role web serves Slack's HTTP events; set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        return RolePlan(role, ("slack",), serve=True, clock=False)
    if role == "discord":
        if "discord" not in configured:
            raise RoleError("--role discord holds the Discord gateway; set DISCORD_TOKEN")
        return RolePlan(role, ("discord",), serve=True, clock=False)
    if role == "clock":
        if not configured:
            raise RoleError("--role clock posts and sends through Slack or Discord; set their tokens")
        return RolePlan(role, tuple(configured), serve=False, clock=True)
    raise RoleError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
