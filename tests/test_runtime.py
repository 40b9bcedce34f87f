"""The interpreter settings a serving bot applies once it has started."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.runtime import SWITCH_INTERVAL_S, tune_interpreter


def test_tune_interpreter_shortens_the_switch_interval_and_freezes_startup_objects() -> None:
    before = sys.getswitchinterval()
    try:
        frozen = tune_interpreter()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and SWITCH_INTERVAL_S < before
        assert frozen == gc.get_freeze_count() > 1000, "modules and the library are out of the collector's way"
    finally:
        gc.unfreeze()
        sys.setswitchinterval(before)
