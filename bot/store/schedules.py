"""The scheduling feature's store port: what a schedule backend must do (SQLite's is bot/store/sqlite/schedules.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import date, datetime

    from bot.scheduling.models import DailyRun, OutboxRow, ReviewSlot, Schedule, ScheduleSpec


class ScheduleStore(Protocol):
    """What scheduling needs stored: schedules, daily runs, board posts, the outbox, review planning."""

    async def upsert_schedule(
        self, spec: ScheduleSpec, *, platform: str, space: str, channel: str, created_by: str | None, now: datetime,
    ) -> tuple[Schedule, bool]:
        """Set the channel's schedule; returns it and whether it is new (False: updated)."""

    async def schedules(self) -> list[Schedule]: ...

    async def get_schedule(self, schedule_id: str) -> Schedule | None: ...

    async def schedule_for_channel(self, platform: str, channel: str) -> Schedule | None: ...

    async def remove_schedule(self, schedule_id: str) -> bool: ...

    async def set_board(
        self, schedule_id: str, *, day: int | None, here: bool = False, space: str = '', now: datetime,
    ) -> Schedule | None:
        """Turn the schedule's weekly board on (a weekday) or off (None); None when no such schedule."""

    async def queue_board(self, post: OutboxRow) -> bool:
        """The week's claim and the board's outbox row in one insert: True for whoever wrote it first."""

    async def board_posts(self, schedule_id: str, *, limit: int = 1) -> list[OutboxRow]:
        """The schedule's board posts, newest first (for `show` and `list`)."""

    async def claim_run(
        self, schedule: Schedule, *, local_date: date, due_at: datetime, closes_at: datetime, owner: str, lease_until: datetime, now: datetime,
    ) -> DailyRun | None:
        """The unique claim on (schedule, local date): the run, or None when it was claimed before."""

    async def get_run(self, schedule_id: str, local_date: date) -> DailyRun | None: ...

    async def take_over_stale_runs(self, *, owner: str, lease_until: datetime, now: datetime) -> list[DailyRun]:
        """Claimed runs whose owner stopped renewing (a crash): their lease passes to `owner`."""

    async def channel_history(self, platform: str, channel: str, *, limit: int = 5000) -> list[tuple[str, int]]:
        """(drill_id, cycle) of the channel's prepared runs, newest first."""

    async def record_run_post(
        self, run_id: str, *, owner: str, drill_id: str, cycle: int, post: OutboxRow, now: datetime,
    ) -> bool:
        """Make the run ready and write its channel post to the outbox, only while `owner` holds it."""

    async def set_run_status(self, run_id: str, status: str, *, expected: Collection[str], now: datetime) -> bool: ...

    async def runs_to_reveal(self, now: datetime) -> list[tuple[DailyRun, OutboxRow | None]]:
        """Ready runs whose window has closed, each with its channel post row."""

    async def queue_reveal(self, run_id: str, reveal: OutboxRow, *, now: datetime) -> bool:
        """The reveal's claim: the run moves ready → revealing and the reveal row is written, once."""

    async def link_members(self, schedule_id: str, delivery_id: str, *, now: datetime) -> int:
        """Members who answered this channel post now take their review time from its schedule."""

    async def runs_for(self, schedule_id: str, *, limit: int = 1) -> list[DailyRun]: ...

    async def unfinished_claims(self) -> int:
        """Runs and review batches claimed but not yet written to the outbox."""

    async def release_claims(self, *, owner: str, now: datetime) -> dict[str, int]:
        """A clean stop: hand back claimed runs and batches at once instead of after the lease."""

    async def claim_outbox(
        self, *, platforms: Collection[str], owner: str, lease_until: datetime, now: datetime, limit: int, run_id: str | None = None,
    ) -> list[OutboxRow]:
        """Lease up to `limit` pending rows nobody holds (or whose holder's lease ran out)."""

    async def renew_outbox(self, ids: Sequence[str], *, owner: str, lease_until: datetime) -> set[str]:
        """Extend the lease on rows still ours and pending; returns those ids."""

    async def release_outbox(self, *, owner: str) -> int:
        """Give back rows we claimed but did not send (a clean stop), so nobody waits for the lease."""

    async def finish_outbox(
        self, row: OutboxRow, status: str, *, now: datetime, message_ref: str | None = None, error: str | None = None,
    ) -> bool:
        """Mark a row sent, failed or expired; a finished reveal closes its run in the same transaction."""

    async def retry_outbox(self, row: OutboxRow, *, not_before: datetime, error: str) -> None: ...

    async def expire_outbox(self, now: datetime) -> list[OutboxRow]:
        """Pending rows past their expiry that nobody is sending become 'expired' (never sent late)."""

    async def outbox_for_run(self, run_id: str) -> list[OutboxRow]: ...

    async def outbox_counts(self, *, platforms: Collection[str] | None = None) -> dict[str, int]:
        """Rows per status (optionally for some platforms): pending, sent, failed, expired."""

    async def outbox_backlog(self, *, now: datetime) -> tuple[int, float]:
        """Pending rows, and how many seconds the oldest due one has waited (0.0 when none is due)."""
        ...

    async def review_pairs(
        self, *, platforms: Collection[str], default_at: str, default_tz: str,
    ) -> list[tuple[str, str]]:
        """Distinct (review time, zone) of members on `platforms`; few, so the rest is Python."""

    async def due_for_review(
        self, slots: Sequence[ReviewSlot], *, platforms: Collection[str], active: Collection[str], default_at: str, default_tz: str, now: datetime,
    ) -> list[tuple[str, int, str, str]]:
        """Every due card of an active family held by an eligible member: (member_id, index into"""

    async def member_targets(self, member_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """member id → (platform, space, user_id): where a member's DMs go."""

    async def claim_batches(
        self, wanted: Sequence[tuple[str, date, str, datetime]], *, owner: str, lease_until: datetime, now: datetime,
    ) -> dict[str, str]:
        """Claim (member, local date, zone, expires) batches; returns member_id → batch id for the ones won."""

    async def record_batch(self, batch_id: str, *, owner: str, rows: Sequence[OutboxRow]) -> bool:
        """Write a batch's DMs to the outbox and mark it ready, only while `owner` holds it."""

    async def drop_stale_batches(self, *, now: datetime) -> int:
        """Claims on batches whose owner died before recording them (nothing was written to the"""
