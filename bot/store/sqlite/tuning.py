"""Interpreter settings the SQLite answer path relies on (AnswerWriter's overlap needs a short GIL switch)."""

from __future__ import annotations

import gc
import sys

# The GIL switch interval for a serving bot (CPython's default is 5 ms). aiosqlite runs SQLite on
# a thread of its own, and SQLite releases the GIL while it works; but when the event loop is
# busy, that thread waits a whole interval for the GIL before it can start a statement or hand
# back its rows. At 0.5 ms, AnswerWriter's Python work overlaps SQLite's instead of queueing
# behind it: +20% answers/s and 4 ms off p99 in benchmarks/answer_path.py.
SWITCH_INTERVAL_S = 0.0005

# Allocations between two collections of the youngest generation (CPython's default is 700).
# A burst of answers keeps a few thousand short-lived objects in flight (requests, records,
# replies); at 700 the collector examines and promotes most of them before they die anyway.
GC_YOUNG_THRESHOLD = 10_000


def tune_interpreter() -> int:
    """Settings for a long-running bot process, applied once it has started; returns objects frozen.

    Everything alive at that point (modules, the drill library, the SDK clients) lives as long as
    the process. gc.freeze() moves it out of the collector's generations, so a full collection
    walks only what was made since: one took about 40 ms on the answer path before. The young
    generation's threshold goes up too (see GC_YOUNG_THRESHOLD): about +5% answers/s.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    return gc.get_freeze_count()
