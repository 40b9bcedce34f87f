"""Run `python -m bot ARGS…` (or a script) with cProfile on between SIGUSR1 and SIGUSR2; stats go to OUT at SIGUSR2.

    python benchmarks/profiled.py OUT -m bot run --adapter discord
    python benchmarks/profiled.py OUT benchmarks/discord_floor.py

The end-to-end benchmarks send the signals around their burst, so the profile holds the burst
and not the start-up (library load and checks), which would otherwise dwarf it. Only the main
thread is profiled: that is where the event loop, and so the adapter, engine and rendering, run.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys


def main() -> None:
    out, *rest = sys.argv[1:]
    module = rest[1] if rest[:1] == ["-m"] and len(rest) > 1 else None
    if not rest or (rest[0] == "-m" and module is None):
        sys.exit("usage: profiled.py OUT (-m MODULE | SCRIPT) [ARGS...]")
    profiler = cProfile.Profile()

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    if module is not None:
        sys.argv = [module, *rest[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()
