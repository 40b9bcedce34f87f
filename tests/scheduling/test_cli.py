"""`saga-drills schedule …` in-process: one-line errors naming the field, list, remove, run-now twice."""

from __future__ import annotations

import json

import pytest



@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--at", "7pm", "saga-drills: --at: '7pm' is not a time of day; use HH:MM in 24-hour time, e.g. 09:30"),
    ("--tz", "Europe/Berln", "saga-drills: --tz: 'Europe/Berln' is not an IANA time zone; use a name like Europe/Berlin "
                             "or UTC (did you mean Europe/Berlin?)"),
    ("--days", "mon-fry", "saga-drills: --days: 'mon-fry' is not a day or a range of days; use e.g. mon-fri, "
                          "mon,wed,fri or daily"),
    ("--window", "0", "saga-drills: --window: '0' hours is out of range; the answer window is 0.25 to 23 hours"),
    ("--window", "1e308", "saga-drills: --window: '1e308' hours is out of range; the answer window is 0.25 to 23 hours"),
])
def test_add_rejects_bad_input_with_one_line_naming_the_flag(cli, flag, value, message) -> None:  # type: ignore[no-untyped-def]
    args = {"--at": "09:30", "--tz": "Europe/Berlin", "--days": "mon-fri", "--window": "8", flag: value}
    code, out, err = cli("schedule", "add", "--platform", "slack", "--channel", "C1",
                         *[x for pair in args.items() for x in pair])
    assert code == 1 and out == "" and err == message + "\n"


def test_add_list_remove(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("schedule", "add", "--platform", "slack", "--channel", "C1", "--at", "9:30",
                       "--tz", "Europe/Berlin", "--window", "6", "--space", "T1")
    assert code == 0 and out.startswith("added schedule ") and "slack C1 at 09:30 Europe/Berlin, Mon–Fri, reveal after 6 h" in out
    code, out, _ = cli("schedule", "add", "--platform", "slack", "--channel", "C1", "--at", "10:00", "--tz", "UTC",
                       "--days", "daily")
    assert code == 0 and out.startswith("updated schedule ")
    code, out, _ = cli("schedule", "list", "--json")
    [item] = json.loads(out)
    assert {k: item[k] for k in ("platform", "space", "channel", "at", "tz", "window_hours")} == {
        "platform": "slack", "space": "T1", "channel": "C1", "at": "10:00", "tz": "UTC", "window_hours": 8.0}
    assert item["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] and item["last_run"] is None
    code, out, _ = cli("schedule", "list")
    assert out.splitlines()[0].split() == ["ID", "PLATFORM", "CHANNEL", "AT", "ZONE", "DAYS", "WINDOW", "NEXT", "POST",
                                           "LAST", "RUN", "BOARD"]
    assert item["id"] in out.splitlines()[1]
    code, out, _ = cli("schedule", "remove", item["id"])
    assert code == 0 and "removed schedule" in out
    code, out, err = cli("schedule", "remove", item["id"])
    assert code == 1 and err == f"saga-drills: no schedule has id '{item['id']}'; see `saga-drills schedule list`\n"


def test_run_now_on_the_console_posts_once_when_called_twice(cli) -> None:  # type: ignore[no-untyped-def]
    cli("schedule", "add", "--platform", "console", "--channel", "console", "--at", "09:30", "--tz", "Europe/Berlin",
        "--days", "daily")
    code, out, _ = cli("schedule", "list", "--json")
    schedule_id = json.loads(out)[0]["id"]
    code, first, _ = cli("schedule", "run-now", schedule_id)
    assert code == 0
    assert "answers are private · the team reveal is" in first  # the card, printed by the console adapter
    assert "posted “" in first and "in console console" in first
    code, second, _ = cli("schedule", "run-now", schedule_id)
    assert code == 0 and "Answer with a letter" not in second
    assert "already claimed" in second and "is posted; nothing new was posted" in second
    code, out, _ = cli("schedule", "list", "--json")
    assert json.loads(out)[0]["last_run"]["status"] == "ready"


def test_run_now_without_credentials_records_the_post_for_the_running_bot(cli) -> None:  # type: ignore[no-untyped-def]
    cli("schedule", "add", "--platform", "slack", "--channel", "C9", "--at", "09:30", "--tz", "UTC", "--days", "daily")
    schedule_id = json.loads(cli("schedule", "list", "--json")[1])[0]["id"]
    code, out, _ = cli("schedule", "run-now", schedule_id)
    assert code == 0 and "it is pending, and the running bot (`saga-drills run`) sends it" in out
    code, out, _ = cli("schedule", "run-now", schedule_id)
    assert code == 0 and "is recorded and pending; nothing new was posted" in out


def test_run_now_of_an_unknown_id_is_one_clean_line(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("schedule", "run-now", "nope")
    assert code == 1 and err == "saga-drills: no schedule has id 'nope'; see `saga-drills schedule list`\n"


def test_schedule_ids_never_start_with_a_dash_that_argparse_would_read_as_an_option(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ids = iter(["-Ab3dE9x", "xY_7-k2Q"])
    monkeypatch.setattr("bot.store.sqlite.schedules.new_id", lambda nbytes=9: next(ids))
    cli("schedule", "add", "--platform", "slack", "--channel", "C1", "--at", "09:30", "--tz", "UTC")
    [item] = json.loads(cli("schedule", "list", "--json")[1])
    assert item["id"] == "xY_7-k2Q"
    code, out, _ = cli("schedule", "remove", item["id"])
    assert code == 0 and "removed schedule xY_7-k2Q" in out
