"""Row mapping and SQL pieces shared by the scheduling store modules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from bot.clock import iso, parse_iso
from bot.scheduling.models import DailyRun, OutboxRow, Schedule, parse_days


def dt(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def marks(values: Sequence[Any]) -> str:
    """'?, ?, ?' for an IN list or a VALUES row."""
    return ", ".join("?" * len(values))


def schedule_row(row: Any) -> Schedule:
    return Schedule(
        id=row["id"], platform=row["platform"], space=row["space"], channel=row["channel"],
        at=time.fromisoformat(row["at_time"]), tz=row["tz"], days=parse_days(row["days"]),
        window_minutes=row["window_minutes"], created_by=row["created_by"],
        created_at=parse_iso(row["created_at"]), updated_at=parse_iso(row["updated_at"]),
        board_day=row["board_day"], board_here=bool(row["board_here"]), board_since=dt(row["board_since"]),
    )


def run_row(row: Any) -> DailyRun:
    return DailyRun(
        id=row["id"], schedule_id=row["schedule_id"], local_date=date.fromisoformat(row["local_date"]),
        platform=row["platform"], space=row["space"], channel=row["channel"], status=row["status"],
        owner=row["owner"], lease_until=dt(row["lease_until"]), drill_id=row["drill_id"], cycle=row["cycle"],
        delivery_id=row["delivery_id"], due_at=parse_iso(row["due_at"]), closes_at=parse_iso(row["closes_at"]),
        tz=row["tz"], claimed_at=parse_iso(row["claimed_at"]),
    )


def outbox_row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row["id"], kind=row["kind"], delivery_id=row["delivery_id"], run_id=row["run_id"],
        batch_id=row["batch_id"], member_id=row["member_id"], platform=row["platform"], space=row["space"],
        channel=row["channel"], thread=row["thread"], user_id=row["user_id"], footer=row["footer"],
        position=row["position"], status=row["status"], attempts=row["attempts"], not_before=parse_iso(row["not_before"]),
        expires_at=dt(row["expires_at"]), message_ref=row["message_ref"], last_error=row["last_error"],
        created_at=parse_iso(row["created_at"]), schedule_id=row["schedule_id"], claim_key=row["claim_key"],
    )


_INSERT_OUTBOX = """
INSERT INTO outbox (id, kind, priority, position, delivery_id, run_id, batch_id, member_id, platform, space,
                    channel, thread, user_id, footer, status, not_before, expires_at, created_at, schedule_id, claim_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
"""
INSERT_OUTBOX = _INSERT_OUTBOX + "ON CONFLICT (delivery_id, kind) DO NOTHING"
# A row that is its own claim (the weekly board): whoever inserts the key first owns the post.
INSERT_CLAIMED_OUTBOX = _INSERT_OUTBOX + "ON CONFLICT (claim_key) DO NOTHING RETURNING id"


def outbox_params(row: OutboxRow) -> tuple[Any, ...]:
    return (row.id, row.kind, row.priority, row.position, row.delivery_id, row.run_id, row.batch_id, row.member_id,
            row.platform, row.space, row.channel, row.thread, row.user_id, row.footer, iso(row.not_before),
            iso(row.expires_at) if row.expires_at else None, iso(row.created_at), row.schedule_id, row.claim_key)
