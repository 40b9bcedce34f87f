"""Fixtures for leaderboard tests: the small board pack, an App on it, and the Kit that drives the engine."""

from __future__ import annotations

import random

import pytest

from tests.leaderboard.boardkit import Kit, write_board_pack
from bot.content.loader import load_library
from bot.runtime import open_app


@pytest.fixture
def board_library(tmp_path):  # type: ignore[no-untyped-def]
    write_board_pack(tmp_path / "pack")
    return load_library([tmp_path / "pack"])


@pytest.fixture
async def app(settings, clock, board_library):  # type: ignore[no-untyped-def]
    a = await open_app(settings, clock=clock, library=board_library)
    a.engine.rng = random.Random(5)
    yield a
    await a.close()


@pytest.fixture
def kit(app) -> Kit:  # type: ignore[no-untyped-def]
    return Kit(app)
