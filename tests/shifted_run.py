"""`python -m tests.shifted_run SECONDS ARGS…`: the real saga-drills CLI with its wall clock moved by SECONDS.

Subprocess tests use it where the product waits for wall time: a `--role clock` process a minute
ahead posts a schedule set a moment ago, without the test waiting for the minute to turn. Only
`bot.clock.SystemClock` moves (every instant the bot reads or writes); APScheduler's timers, the
sweep interval among them, still run on real time.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from bot import clock
from bot.cli import main


def shift(seconds: float) -> None:
    offset = timedelta(seconds=seconds)
    clock.SystemClock.now = lambda self: datetime.now(timezone.utc) + offset  # type: ignore[method-assign]


if __name__ == "__main__":
    shift(float(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
