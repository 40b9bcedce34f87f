"""The CLI on a database seeded through the engine: leaderboard, report and season, PNGs, and export privacy."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from bot.cli import main
from bot.commands import CommandContext
from bot.runtime import open_app
from tests.leaderboard.boardkit import ANA, BO, CY, Kit
from tests.leaderboard.test_board_charts import png_size
from tests.store_reads import rows_in


@pytest.fixture
async def seeded(settings, clock, library, monkeypatch):  # type: ignore[no-untyped-def]
    """ana, bo and cy answer shipped drills through the engine; cy opts out. Then the app closes."""
    app = await open_app(settings, clock=clock, library=library)
    app.engine.rng = random.Random(3)
    kit = Kit(app)
    by_tier = app.library.active_by_tier()
    junior, middle, senior = (by_tier[t][0].id for t in by_tier)
    await kit.drill_once(ANA, senior)
    await kit.drill_once(ANA, middle)
    await kit.drill_once(BO, junior)
    await kit.drill_once(BO, senior, right=False)
    await kit.drill_once(CY, middle)
    await app.router.handle(CommandContext(member=CY, channel="C1"), "optout")
    await app.close()
    monkeypatch.setenv("SAGA_DRILLS_DB", str(settings.db))
    monkeypatch.setenv("SAGA_DRILLS_LOG_LEVEL", "WARNING")
    return settings.db


def test_leaderboard_prints_and_writes_the_png(seeded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "out" / "board.png"
    assert main(["leaderboard", "--period", "all", "--png", str(png)]) == 0
    out = capsys.readouterr()
    assert "Leaderboard · All time" in out.out and "ana" in out.out and "bo" in out.out
    assert "cy" not in out.out.split()                           # opted out: hidden
    assert png_size(png.read_bytes()) == (1200, 600)


def test_report_prints_and_writes_the_png(seeded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "report.png"
    assert main(["report", "--png", str(png), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Team blind spots · All time" in out and "topic ·" in out
    assert png_size(png.read_bytes()) == (1200, 800)


def test_season_start_list_end_from_the_cli(seeded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["season", "start", "Q1", "2026"]) == 0
    assert main(["season", "start", "Again"]) == 1
    assert "still open" in capsys.readouterr().err
    assert main(["season", "list"]) == 0
    assert "Q1 2026" in capsys.readouterr().out
    assert main(["season", "end"]) == 0
    assert main(["leaderboard", "--season", "Q1 2026"]) == 0
    assert "Season “Q1 2026”" in capsys.readouterr().out


def test_scope_errors_are_one_clean_line(seeded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["leaderboard", "--platform", "slack"]) == 1
    assert capsys.readouterr().err.strip() == "saga-drills: pass both --platform and --space, or neither"
    assert main(["leaderboard", "--platform", "discord", "--space", "G9", "--period", "all", "--png", "x.png"]) == 1
    assert "nothing to draw" in capsys.readouterr().err
    assert main(["leaderboard", "--period", "season"]) == 1
    assert "saga-drills season start" in capsys.readouterr().err


def _csv(capsys) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_export_pseudonymizes_opted_out_members(seeded, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--format", "csv"]) == 0
    answers = _csv(capsys)
    assert list(answers[0]) == ["member", "display_name", "platform", "drill", "tier", "delivery_kind",
                                "chosen_option", "option_index", "chosen_text", "correct", "answered_at_utc"]
    # The letter is the one on the member's shuffled card.
    shown = {(m, d): "ABCDE"[json.loads(order).index(i)] for m, d, order, i in rows_in(seeded,
             "SELECT a.member_id, a.drill_id, d.option_order, a.option_index FROM answers a "
             "JOIN deliveries d ON d.id = a.delivery_id")}
    for row in answers:
        if not row["member"].startswith("member-"):
            assert row["chosen_option"] == shown[(row["member"], row["drill"])] and row["option_index"].isdigit()
    cy_rows = [r for r in answers if r["member"].startswith("member-")]
    assert len(cy_rows) == 1 and cy_rows[0]["display_name"] == "" and "U-CY" not in str(answers)
    assert {r["display_name"] for r in answers} == {"ana", "bo", ""}

    assert main(["export", "--what", "members"]) == 0
    members = {r["member"]: r for r in _csv(capsys)}
    assert members[cy_rows[0]["member"]]["opted_out"] == "yes"   # the same pseudonym in every export
    assert members[ANA.key]["answers"] == "2" and members[ANA.key]["accuracy"] == "1.000"
    assert members[BO.key]["altitude"] == "Zero"

    assert main(["export", "--what", "drills"]) == 0
    drills = _csv(capsys)
    answered = [d for d in drills if d["answers"] != "0"]
    assert sum(int(d["answers"]) for d in answered) == 5 and sum(int(d["members"]) for d in answered) == 5
    wrong = [d for d in answered if d["misconception"]]
    assert len(wrong) == 1 and wrong[0]["picked_share"] == "0.500"


@pytest.fixture
async def hostile_names(settings, clock, library, monkeypatch):  # type: ignore[no-untyped-def]
    """Members whose display names are a formula, a terminal escape, a bell and a NUL."""
    from bot.messages import MemberRef

    app = await open_app(settings, clock=clock, library=library)
    kit = Kit(app)
    names = ['=HYPERLINK("http://x.test","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab",
             "\x1b[31mred\x1b[0m", "ding\x07", "nul\x00name"]
    drill = app.library.active[0].id
    for i, name in enumerate(names):
        await kit.drill_once(MemberRef(platform="slack", space="T1", user_id=f"U-H{i}", display_name=name), drill)
    await app.close()
    monkeypatch.setenv("SAGA_DRILLS_DB", str(settings.db))
    monkeypatch.setenv("SAGA_DRILLS_LOG_LEVEL", "WARNING")
    return names


def test_export_neutralises_formulas_and_control_characters(hostile_names, capsys) -> None:  # type: ignore[no-untyped-def]
    for what in ("answers", "members"):
        assert main(["export", "--what", what]) == 0
        text = capsys.readouterr().out
        assert not any(ch in text for ch in "\x1b\x07\x00"), what
        names = {r["display_name"] for r in csv.DictReader(io.StringIO(text))}
        assert all(not n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names), names
        assert "'=HYPERLINK(\"http://x.test\",\"click\")" in names and "'-2+3" in names and "\\x1b[31mred\\x1b[0m" in names


def test_leaderboard_shows_control_characters_as_escapes(hostile_names, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["leaderboard", "--period", "all"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x1b\x07\x00") and "\\x1b[31mred" in out and "ding\\x07" in out


@pytest.mark.parametrize("command", [["leaderboard", "--period", "all"], ["report"], ["season", "list"]])
def test_json_output_is_the_table_keyed_by_column(seeded, capsys, command) -> None:  # type: ignore[no-untyped-def]
    if command[0] == "season":
        assert main(["season", "start", "Q1"]) == 0
        capsys.readouterr()
    assert main([*command, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"title", "columns", "rows", "footer"} and data["rows"]
    assert all(list(row) == data["columns"] for row in data["rows"])
    if command[0] == "leaderboard":
        assert {row[data["columns"][1]] for row in data["rows"]} >= {"ana", "bo"}


@pytest.mark.parametrize("to_file", [False, True])
def test_an_export_that_fails_prints_no_header_and_leaves_no_file(seeded, capsys, monkeypatch, tmp_path, to_file) -> None:  # type: ignore[no-untyped-def]
    from bot.store import StoreError
    from bot.store.sqlite.core import SqliteStore

    def broken(self):  # type: ignore[no-untyped-def]
        async def rows():  # type: ignore[no-untyped-def]
            raise StoreError("saga.db: disk I/O error")
            yield  # pragma: no cover
        return rows()

    out = tmp_path / "answers.csv"
    out.write_text("yesterday's good export\n")
    monkeypatch.setattr(SqliteStore, "export_answers", broken)
    assert main(["export", *(["--out", str(out)] if to_file else [])]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "disk I/O error" in captured.err
    assert out.read_text() == "yesterday's good export\n" and sorted(p.name for p in tmp_path.iterdir() if "answers" in p.name) == ["answers.csv"]
