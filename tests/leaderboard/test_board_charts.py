"""The PNG charts: produced headless at the expected pixel size, and matplotlib stays out of `--help`."""

from __future__ import annotations

import struct
import subprocess
import sys

from bot.leaderboard import charts
from tests.leaderboard.boardkit import ANA, BO, Kit


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def test_board_png_has_the_expected_size(kit: Kit) -> None:
    for drill in ("junior-1", "middle-1"):
        await kit.drill_once(ANA, drill)
    await kit.drill_once(BO, "junior-1", right=False)
    table = await kit.board("all", image=True)
    assert table.image is not None and table.image.filename == "leaderboard.png"
    assert png_size(table.image.data) == (charts.WIDTH, charts.BOARD_HEIGHT) == (1200, 600)
    assert 10_000 < len(table.image.data) < 400_000
    assert table.image.alt.startswith("Altitude of the team: 2 Zero") and "ana 3" in table.image.alt


async def test_report_png_has_the_expected_size(kit: Kit, app) -> None:  # type: ignore[no-untyped-def]
    from bot.leaderboard.service import Leaderboards

    await kit.drill_once(ANA, "junior-1")
    await kit.drill_once(BO, "senior-1", right=False)
    table = await Leaderboards(app).report("slack", "T1", "all")
    assert table.image is not None and table.image.filename == "blind-spots.png"
    assert png_size(table.image.data) == (charts.WIDTH, charts.REPORT_HEIGHT) == (1200, 800)
    assert table.image.alt.startswith("Accuracy per topic, weakest first: isolation 0%")


async def test_an_empty_board_has_no_picture(kit: Kit) -> None:
    assert (await kit.board("week", image=True)).image is None


def test_chart_background_is_opaque_mid_grey() -> None:
    """An opaque slate card reads on light and dark themes alike; text is near-white on it."""
    data = charts.board_chart("t", [("Zero", 1)], [(1, "a", 1, "Zero")])
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(data)).convert("RGBA")
    r, g, b, a = image.getpixel((2, 2))
    assert a == 255 and 50 <= (r + g + b) / 3 <= 90


def test_help_does_not_import_matplotlib() -> None:
    code = "import sys; from bot.cli import build_parser; build_parser(); print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_without_the_charts_extra_every_table_posts_and_the_log_says_so_once(kit: Kit, app, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import importlib.util
    import logging

    from bot.leaderboard.service import Leaderboards

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    monkeypatch.setattr(charts, "_said", False)
    await kit.drill_once(ANA, "junior-1")
    with caplog.at_level(logging.WARNING, logger="bot.leaderboard.charts"):
        board = await kit.board("all", image=True)
        report = await Leaderboards(app).report("slack", "T1", "all")
        again = await kit.board("week", image=True)
    assert board.rows and report.rows and again.rows
    assert board.image is None and report.image is None and again.image is None
    said = [r.getMessage() for r in caplog.records if "saga-drills[charts]" in r.getMessage()]
    assert len(said) == 1


def _labels(ticks) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in ticks]


def test_board_axes_are_whole_numbers_with_labels_and_the_tables_ranks() -> None:
    fig = charts.board_figure("Leaderboard", [("Zero", 1), ("Junior", 2), ("Middle", 0)],
                              [(1, "ana", 3, "Junior"), (1, "bo", 3, "Junior"), (3, "cy", 1, "Zero")])
    left, right = fig.axes
    fig.canvas.draw()
    assert left.get_ylabel() == "members" and right.get_xlabel() == "points"
    for ticks in (left.get_yticks(), right.get_xticks()):
        assert all(float(t).is_integer() for t in ticks), ticks  # never "0.5 members"
    # Ties share a rank, as in the table: 1, 1, 3 (not 1, 2, 3).
    assert sorted(_labels(right.get_yticklabels())) == ["1. ana", "1. bo", "3. cy"]


def test_a_name_no_font_can_draw_points_at_the_table_instead_of_boxes() -> None:
    assert charts.drawable("Zoë Ŝ", rank=1) == "Zoë Ŝ"
    assert charts.drawable("\U00013000\U00013001", rank=2) == "#2 in the table"  # Egyptian hieroglyphs
    assert charts.drawable("ana \U00013000", rank=4) == "ana"


async def test_the_board_picture_gets_the_ranks_the_table_shows(kit: Kit, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[list[tuple[int, str, int, str]]] = []
    real = charts.board_chart
    monkeypatch.setattr(charts, "board_chart", lambda title, levels, top: seen.append(list(top)) or real(title, levels, top))
    await kit.drill_once(ANA, "junior-1")
    await kit.drill_once(BO, "junior-1")  # the same points: a tie
    table = await kit.board("all", image=True)
    ranks_in_table = [row[0] for row in table.rows]
    assert [rank for rank, *_ in seen[0]] == [int(r) for r in ranks_in_table] == [1, 1]


def test_the_report_groups_only_by_listed_topics() -> None:
    from bot.content.loader import builtin_pack, load_library
    from bot.leaderboard.report import area_drills

    lib = load_library([builtin_pack()])
    drill = lib.active[0]
    lib.drills[drill.id] = drill.model_copy(update={"topics": (*drill.topics, "golang")})  # a stray: a language
    areas = area_drills(lib)
    assert "topic:golang" not in areas
    assert {key.split(":", 1)[1] for key in areas if key.startswith("topic:")} <= set(lib.topics)
