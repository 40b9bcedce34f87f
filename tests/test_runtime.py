"""The interpreter settings a serving bot applies once it has started."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.store.sqlite.tuning import GC_YOUNG_THRESHOLD, SWITCH_INTERVAL_S, tune_interpreter


def test_tune_interpreter_shortens_the_switch_interval_and_freezes_startup_objects() -> None:
    before, thresholds = sys.getswitchinterval(), gc.get_threshold()
    try:
        frozen = tune_interpreter()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and SWITCH_INTERVAL_S < before
        assert frozen > 1000 and gc.get_freeze_count() > 1000, "modules and the library are out of the collector's way"
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *thresholds[1:]) and GC_YOUNG_THRESHOLD > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(before)
