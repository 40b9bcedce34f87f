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
    data = charts.board_chart("t", [("Zero", 1)], [("a", 1, "Zero")])
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
