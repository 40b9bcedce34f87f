"""Run `python -m bot ARGS…` (or a script) with a profiler on between SIGUSR1 and SIGUSR2; its stats go to OUT at SIGUSR2.

    python benchmarks/profiled.py OUT -m bot run --adapter discord
    python benchmarks/profiled.py OUT benchmarks/discord_floor.py
    python benchmarks/profiled.py --tasks OUT -m bot run --adapter discord

The end-to-end benchmarks send the signals around their burst, so the profile holds the burst
and not the start-up (library load and checks), which would otherwise dwarf it. Only the main
thread is profiled: that is where the event loop, and so the adapter, engine and rendering, run.

The default profiler is cProfile. `--tasks` instead times every callback the event loop runs on
the thread's CPU clock and adds it up by what it runs (the coroutine of a task, else the
callback), with garbage collection counted apart: a few hundred nanoseconds per callback, where
cProfile's cost per Python call inflates call-heavy code (discord.py, aiohttp) against the rest.
OUT is then JSON (see LoopTasks.dump).
"""

from __future__ import annotations

import asyncio
import asyncio.events
import cProfile
import gc
import json
import runpy
import signal
import sys
import time
from collections import Counter
from typing import Any


class LoopTasks:
    """The event loop's CPU per kind of callback while on; GC pauses apart (they belong to no task)."""

    def __init__(self) -> None:
        self.on = False
        self.cpu: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self.gc_ns = self.gc_runs = 0
        self._gc_started = 0
        self._started = 0

    def install(self) -> None:
        run = asyncio.events.Handle._run
        clock = time.thread_time_ns

        def timed(handle: asyncio.events.Handle) -> None:
            if not self.on:
                return run(handle)
            began, gc_before = clock(), self.gc_ns
            try:
                return run(handle)
            finally:
                name = _name(handle._callback)  # type: ignore[attr-defined]
                self.cpu[name] += clock() - began - (self.gc_ns - gc_before)
                self.runs[name] += 1

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if not self.on:
            return
        if phase == "start":
            self._gc_started = time.thread_time_ns()
        else:
            self.gc_ns += time.thread_time_ns() - self._gc_started
            self.gc_runs += 1

    def start(self) -> None:
        self.cpu.clear()
        self.runs.clear()
        self.gc_ns = self.gc_runs = 0
        self._started = time.thread_time_ns()
        self.on = True

    def dump(self, out: str) -> None:
        """{"loop_ms": the main thread's CPU while on, "gc_ms", "gc_runs", "tasks": [[name, ms, runs], …]}."""
        self.on = False
        tasks = [[name, ns / 1e6, self.runs[name]] for name, ns in self.cpu.most_common()]
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"loop_ms": (time.thread_time_ns() - self._started) / 1e6, "gc_ms": self.gc_ns / 1e6,
                       "gc_runs": self.gc_runs, "tasks": tasks}, fh)


def _name(callback: Any) -> str:
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        name = owner.get_name()  # a task named by its creator, e.g. one GroupCommit flusher from another
        named = "" if name.startswith("Task-") else f" ({name})"
        return "task " + getattr(coro, "__qualname__", type(coro).__qualname__) + named
    function = getattr(callback, "__func__", callback)
    return "callback " + getattr(function, "__qualname__", type(function).__qualname__)


def main() -> None:
    args = sys.argv[1:]
    tasks = args[:1] == ["--tasks"]
    out, *rest = args[1:] if tasks else args
    module = rest[1] if rest[:1] == ["-m"] and len(rest) > 1 else None
    if not rest or (rest[0] == "-m" and module is None):
        sys.exit("usage: profiled.py [--tasks] OUT (-m MODULE | SCRIPT) [ARGS...]")
    if tasks:
        loop_tasks = LoopTasks()
        loop_tasks.install()
        signal.signal(signal.SIGUSR1, lambda *_: loop_tasks.start())
        signal.signal(signal.SIGUSR2, lambda *_: loop_tasks.dump(out))
    else:
        profiler = cProfile.Profile()

        def stop(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(out)

        signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
        signal.signal(signal.SIGUSR2, stop)
    if module is not None:
        sys.argv = [module, *rest[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()
