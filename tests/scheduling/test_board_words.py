"""`/drill schedule board`, `saga-drills schedule board|add --board-day`, and migration 0004 on a shipped database."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from bot.cli import main
from bot.commands import CommandContext
from bot.messages import MemberRef, Notice, Table
from bot.store.sqlite import database
from bot.store.sqlite.core import SqliteStore

LEAD = CommandContext(member=MemberRef(platform="slack", space="T1", user_id="ULEAD"), channel="C1", is_lead=True)
MEMBER = CommandContext(member=MemberRef(platform="slack", space="T1", user_id="UMEM"), channel="C1")


async def test_a_lead_turns_the_weekly_board_on_and_off_and_show_tells(app, service) -> None:
    await app.router.handle(LEAD, "schedule set 09:30 Europe/Berlin mon-fri")
    reply = await app.router.handle(LEAD, "schedule board Mon")
    assert isinstance(reply, Notice) and reply.level == "info"
    assert "every Monday at 09:30 Europe/Berlin" in reply.text and "last week's final board" in reply.text
    assert "Next: Mon 09 Mar, 09:30." in reply.text  # the fixed clock is Monday 10:00 in Berlin: next week
    schedule = await service.ticker.store.schedule_for_channel("slack", "C1")
    assert (schedule.board_day, schedule.board_here) == (0, False)

    shown = await app.router.handle(MEMBER, "schedule show")
    assert isinstance(shown, Table) and shown.columns[-1] == "weekly board"
    assert shown.rows[0][-1] == "Mon · next Mon 09 Mar 09:30"

    await app.router.handle(LEAD, "schedule set 10:00 Europe/Berlin daily")  # changing the drill keeps the board
    here = await app.router.handle(LEAD, "schedule board thursday here")
    assert "every Thursday at 10:00" in here.text and "this week's board so far" in here.text
    assert "this channel's drills" in here.text
    assert (await app.router.handle(MEMBER, "schedule show")).rows[0][-1].startswith("Thu · this channel · next Thu 05 Mar")

    off = await app.router.handle(LEAD, "schedule board off")
    assert "weekly leaderboard here is off" in off.text
    assert (await service.ticker.store.schedule_for_channel("slack", "C1")).board_day is None
    assert (await app.router.handle(MEMBER, "schedule show")).rows[0][-1] == "off"


async def test_bad_board_input_names_the_field_and_changes_nothing(app, service) -> None:
    await app.router.handle(LEAD, "schedule set 09:30 Europe/Berlin")
    cases = {
        "schedule board someday": "board-day: 'someday' is not a day; use one of mon, tue, wed, thu, fri, sat, sun, or off",
        "schedule board mon-fri": "board-day: 'mon-fri' is not a day",
        "schedule board": "board-day: name one day for the weekly leaderboard",
        "schedule board mon tue": "board-day: name one day for the weekly leaderboard",
    }
    for text, expected in cases.items():
        reply = await app.router.handle(LEAD, text)
        assert isinstance(reply, Notice) and reply.level == "warning", text
        assert expected in reply.text and "e.g. `/drill schedule board mon`" in reply.text, reply.text
    assert (await service.ticker.store.schedule_for_channel("slack", "C1")).board_day is None


async def test_a_schedule_added_without_a_workspace_learns_it_from_the_chat_command(app, service) -> None:
    from bot.scheduling.models import ScheduleSpec

    await service.ticker.store.upsert_schedule(ScheduleSpec.parse(at="09:30", tz="UTC"), platform="slack", space="",
                                               channel="C1", created_by="cli", now=app.engine.clock.now())
    await app.router.handle(LEAD, "schedule board mon")
    assert (await service.ticker.store.schedule_for_channel("slack", "C1")).space == "T1"


async def test_members_cannot_set_the_board_and_a_channel_needs_a_schedule_first(app, service) -> None:
    refused = await app.router.handle(MEMBER, "schedule board mon")
    assert isinstance(refused, Notice) and "Only leads can use `/drill schedule board`" in refused.text
    first = await app.router.handle(LEAD, "schedule board mon")
    assert isinstance(first, Notice) and first.level == "warning" and "no daily drill here yet" in first.text
    assert await service.ticker.store.schedules() == []


ADD = ("schedule", "add", "--platform", "slack", "--channel", "C1", "--at", "09:30", "--tz", "Europe/Berlin")


def test_cli_add_with_a_board_day_then_board_off(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(*ADD, "--space", "T1", "--board-day", "mon", "--board-here")
    assert code == 0 and "leaderboard on Mondays (this channel)" in out and "Next board: Mon " in out
    [item] = json.loads(cli("schedule", "list", "--json")[1])
    assert item["board"]["day"] == "mon" and item["board"]["scope"] == "channel"
    assert cli("schedule", "list")[1].splitlines()[1].rstrip().endswith("mon here")
    code, out, _ = cli(*ADD)  # re-adding without --board-day leaves the board as it is
    assert code == 0 and "leaderboard on Mondays" in out
    code, out, _ = cli("schedule", "board", item["id"], "off")
    assert code == 0 and out == "the weekly leaderboard in slack C1 is off; the daily drill carries on\n"
    assert json.loads(cli("schedule", "list", "--json")[1])[0]["board"] is None
    code, out, _ = cli("schedule", "board", item["id"], "fri")
    assert code == 0 and "is on: leaderboard on Fridays, at 09:30 Europe/Berlin. Next board: Fri " in out


def test_cli_board_errors_are_one_line_naming_the_field(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*ADD, "--board-day", "funday")
    assert (code, out) == (1, "") and err == ("saga-drills: --board-day: 'funday' is not a day; use one of mon, tue, "
                                              "wed, thu, fri, sat, sun, or off\n")
    code, _, err = cli(*ADD, "--board-day", "mon")  # a Slack channel added here names no team yet
    assert code == 1 and err.startswith("saga-drills: --space: the weekly board counts one workspace/server")
    assert json.loads(cli("schedule", "list", "--json")[1]) == []  # nothing was saved
    cli(*ADD, "--space", "T1")
    schedule_id = json.loads(cli("schedule", "list", "--json")[1])[0]["id"]
    code, _, err = cli("schedule", "board", schedule_id, "weekly")
    assert code == 1 and err.startswith("saga-drills: DAY: 'weekly' is not a day")
    code, _, err = cli("schedule", "board", "nope", "mon")
    assert code == 1 and err == "saga-drills: no schedule has id 'nope'; see `saga-drills schedule list`\n"


def test_cli_board_help_documents_the_day_and_the_catch_up(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["schedule", "board", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "DAY|off" in out and "never on a later day" in out and "--here" in out
    with pytest.raises(SystemExit):
        main(["schedule", "add", "--help"])
    assert "--board-day DAY" in capsys.readouterr().out


@pytest.mark.sqlite_only("a shipped release's SQLite file, migrated from 0003; PostgreSQL was never shipped at that version")
async def test_migration_0004_keeps_every_outbox_row_of_a_shipped_database(tmp_path, monkeypatch) -> None:
    path = tmp_path / "shipped.db"
    shipped = [m for m in database.migrations() if m[0] <= 3]
    monkeypatch.setattr(database, "migrations", lambda: shipped)
    old = await SqliteStore.open(path)
    await old.close()
    now = datetime(2026, 3, 2, tzinfo=timezone.utc).isoformat()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO deliveries (id, drill_id, kind, platform, space, option_order, created_at) "
                     "VALUES ('d1', 'junior-1', 'channel', 'slack', 'T1', '[0,1,2,3]', ?)", (now,))
        conn.execute("INSERT INTO outbox (id, kind, priority, delivery_id, platform, channel, status, not_before, "
                     "created_at, message_ref) VALUES ('o1', 'channel', 0, 'd1', 'slack', 'C1', 'sent', ?, ?, 'slack:C1:1.2')",
                     (now, now))
    monkeypatch.undo()
    new = await SqliteStore.open(path)
    await new.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, kind, delivery_id, status, message_ref, claim_key FROM outbox").fetchall() == [
            ("o1", "channel", "d1", "sent", "slack:C1:1.2", None)]
        assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone() == (database.latest_version(),)
        conn.execute("INSERT INTO outbox (id, kind, priority, platform, not_before, created_at, claim_key) "
                     "VALUES ('b1', 'board', 0, 'slack', ?, ?, 'board:s:2026-03-02')", (now, now))
        with pytest.raises(sqlite3.IntegrityError):  # the week's claim is a unique key
            conn.execute("INSERT INTO outbox (id, kind, priority, platform, not_before, created_at, claim_key) "
                         "VALUES ('b2', 'board', 0, 'slack', ?, ?, 'board:s:2026-03-02')", (now, now))
        with pytest.raises(sqlite3.IntegrityError):  # only a board post may lack a delivery
            conn.execute("INSERT INTO outbox (id, kind, priority, platform, not_before, created_at) "
                         "VALUES ('c2', 'channel', 0, 'slack', ?, ?)", (now, now))
