"""A bot process for the subprocess tests: the real SchedulerService, a recording Slack.

    python -m tests.scheduling.worker --db F --pack DIR --out LINES --offset SECONDS

Its clock is the wall clock shifted by --offset, the same shift in every worker, so leases
written by one process mean the same instant to the next. It exits 0 once two ticks have
run and nothing is pending or half-claimed; a test may SIGKILL it at any point before.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.content.loader import load_library
from bot.runtime import open_app
from bot.scheduling.service import SchedulerService
from bot.settings import Settings
from tests.fakes.recording_adapter import RecordingAdapter


class OffsetClock:
    def __init__(self, offset: float) -> None:
        self.offset = timedelta(seconds=offset)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


async def main(args: argparse.Namespace) -> int:
    settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(args.db), SAGA_DRILLS_LEASE_SECONDS=args.lease,
                        SAGA_DRILLS_TZ="UTC")
    app = await open_app(settings, clock=OffsetClock(args.offset), library=load_library([args.pack]))
    app.adapters["slack"] = RecordingAdapter("slack", path=args.out, delay=args.delay)
    service = next(s for s in app.services if isinstance(s, SchedulerService))
    service.interval = args.interval
    ticker = service.ticker
    ticks = 0
    tick = ticker.tick

    async def counted(now=None):  # type: ignore[no-untyped-def]
        nonlocal ticks
        report = await tick(now)
        ticks += 1
        return report

    ticker.tick = counted  # type: ignore[method-assign]
    await service.start(app)
    try:
        deadline = asyncio.get_running_loop().time() + args.timeout
        while not (ticks >= 2 and await ticker.idle()):
            if asyncio.get_running_loop().time() > deadline:
                print("worker: timed out with work left", file=sys.stderr)
                return 2
            await asyncio.sleep(0.05)
        return 0
    finally:
        await service.stop()
        await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)  # a file path or a postgresql:// URL, as SAGA_DRILLS_DB takes
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--offset", type=float, default=0.0)
    parser.add_argument("--lease", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=60.0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s: %(message)s", stream=sys.stderr)
    sys.exit(asyncio.run(main(parser.parse_args())))
