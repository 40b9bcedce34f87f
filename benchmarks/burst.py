"""What the end-to-end benchmarks share: a server process under test, alternated runs, percentiles, the summary."""

from __future__ import annotations

import asyncio
import json
import os
import pstats
import re
import signal
import sqlite3
import statistics
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Burst:
    """One timed burst: `replies` clicks answered over `elapsed` seconds, each with its click-to-reply latency."""

    replies: int
    elapsed: float
    latencies: tuple[float, ...]
    cpu: float = 0.0  # the server process's CPU seconds (all threads) during the burst
    main_cpu: float = 0.0  # of which its main thread (the event loop)
    # Median bytes of a click as it reaches the server, and of its reply's body: the floor's fixed
    # texts stand in for the bot's, so the two must stay about the same size (see the floors).
    click_bytes: int = 0
    reply_bytes: int = 0

    @property
    def rate(self) -> float:
        return self.replies / self.elapsed

    def line(self) -> str:
        return (f"{self.rate:7,.0f} replies/s  p50 {pct(self.latencies, .5) * 1000:6.1f} ms  "
                f"p99 {pct(self.latencies, .99) * 1000:6.1f} ms  cpu {self.cpu / self.replies * 1000:.2f} ms/click "
                f"(loop {self.main_cpu / self.replies * 1000:.2f})")


class Server:
    """A server process (the bot, or a floor client) started with its own env; stderr goes to a file.

    With `profile`, the process runs under benchmarks/profiled.py, and the benchmark switches its
    profiler on and off around the burst (SIGUSR1/SIGUSR2), so startup stays out of the profile:
    cProfile, or with PROFILER["tasks"] the event loop's CPU per task (profiled.py --tasks).
    """

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path, profile: Path | None = None) -> None:
        wrapper = [PYTHON, str(ROOT / "benchmarks" / "profiled.py"), *(["--tasks"] if PROFILER["tasks"] else [])]
        self.argv = [*wrapper, str(profile), *argv[1:]] if profile else argv
        self.env = env
        self.cwd = cwd
        self.profile = profile
        self.log = cwd / "server.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as err:
            self.proc = await asyncio.create_subprocess_exec(*self.argv, cwd=self.cwd, env=self.env,
                                                             stdout=asyncio.subprocess.DEVNULL, stderr=err)

    def signal(self, sig: int) -> None:
        if self.profile is not None and self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 60)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()

    def cpu(self) -> tuple[float, float]:
        """CPU seconds the process has used so far: all threads, and its main thread alone (Linux /proc).

        From each thread's schedstat (nanoseconds) where the kernel keeps one, else from the clock
        ticks of stat (10 ms each, too coarse to split a burst of 200 clicks by thread). The main
        thread runs the event loop, and so the adapter, engine and rendering; the others are the
        database threads.
        """
        assert self.proc is not None
        total = main = 0.0
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                seconds = _thread_cpu(task)
                total += seconds
                if task.name == str(self.proc.pid):
                    main = seconds
        except OSError:  # the process is gone
            return 0.0, 0.0
        return total, main

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _thread_cpu(task: Path) -> float:
    try:
        return int((task / "schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Where the server processes import bot/ and adapters/ from; --code points it at another checkout
# (e.g. `git archive main | tar -x -C /tmp/main`) to measure before and after with one benchmark.
CODE = {"root": ROOT}
# --tasks: the profiled bursts time the event loop's tasks instead of running cProfile.
PROFILER = {"tasks": False}


def base_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any platform or bot settings of its own, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "SAGA_DRILLS_"))}
    env.update(PYTHONPATH=f"{CODE['root']}{os.pathsep}{ROOT}", PYTHONUNBUFFERED="1", **extra)
    return env


def alternate(rounds: int, run: Callable[[str], Awaitable[Burst]], *, label: str) -> None:
    """bot, floor, bot, floor…: the pair of each round shares the machine's mood; prints every run and the medians."""
    pairs: list[tuple[Burst, Burst]] = []
    for i in range(rounds):
        # Alternate which goes first, so neither always meets a warmer (or busier) machine.
        order = ("bot", "floor") if i % 2 == 0 else ("floor", "bot")
        got = {kind: asyncio.run(run(kind)) for kind in order}
        pairs.append((got["bot"], got["floor"]))
        print(f"  #{i + 1}: bot {got['bot'].line()}  |  floor {got['floor'].line()}  |  "
              f"ratio {got['bot'].rate / got['floor'].rate:.2f}", flush=True)
    ratios = [b.rate / f.rate for b, f in pairs]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    for name, k in (("bot", 0), ("floor", 1)):
        runs = [p[k] for p in pairs]
        print(f"median {name:5}: {med([r.rate for r in runs]):7,.0f} replies/s  "
              f"p50 {med([pct(r.latencies, .5) for r in runs]) * 1000:6.1f} ms  "
              f"p99 {med([pct(r.latencies, .99) for r in runs]) * 1000:6.1f} ms  "
              f"cpu {med([r.cpu / r.replies for r in runs]) * 1000:.2f} ms/click "
              f"(loop {med([r.main_cpu / r.replies for r in runs]) * 1000:.2f})")
    # A floor whose texts drifted from the bot's measures JSON and compression, not the bot's work.
    print("sizes (median): " + "  |  ".join(
        f"{name} click {med([p[k].click_bytes for p in pairs]):,.0f} B, reply {med([p[k].reply_bytes for p in pairs]):,.0f} B"
        for name, k in (("bot", 0), ("floor", 1))))
    spread = f"ratios {min(ratios):.2f}–{max(ratios):.2f}" if len(ratios) > 1 else ""
    print(f"median ratio bot/floor ({label}): {med(ratios):.2f}  {spread}")


def show_profile(path: Path, *, top: int = 25) -> None:
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _package(filename: str) -> str:
    """Where a profiled function lives: an installed package, bot/adapters, the standard library, or C."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    parts = Path(filename).parts
    for own in ("bot", "adapters", "benchmarks"):
        if own in parts:
            return own
    if filename == "~":
        return "(built-in)"
    if not filename.startswith("/"):  # <string>, <frozen …>: code without a file of its own
        return filename
    inside = re.search(r"/python3\.\d+/(.+)", filename)
    return "stdlib " + (inside[1] if inside else Path(filename).name).split("/", 1)[0].removesuffix(".py")


def show_calls(paths: dict[str, Path], replies: int, *, top: int = 16) -> None:
    """Function calls per click of each profiled burst, by package (`--calls`).

    Unlike a time, a count does not move with the machine's load: the same code gives the same
    calls within a few percent (how many frames one read brings varies), where the rates and CPU
    times of bot and floor swing by a third between runs on this 2-core machine.
    """
    counts: dict[str, dict[str, float]] = {}
    for kind, path in paths.items():
        per: dict[str, float] = {}
        for (filename, _, _), (_, calls, *_rest) in pstats.Stats(str(path)).stats.items():  # type: ignore[attr-defined]
            key = _package(filename)
            per[key] = per.get(key, 0) + calls / replies
        counts[kind] = per
    kinds = list(paths)
    names = sorted({k for per in counts.values() for k in per}, key=lambda k: -sum(per.get(k, 0) for per in counts.values()))
    print(f"calls per click  {'  '.join(f'{k:>8}' for k in kinds)}")
    for name in names[:top]:
        print(f"  {name:28.28} {'  '.join(f'{counts[k].get(name, 0):8.1f}' for k in kinds)}")
    totals = {k: sum(per.values()) for k, per in counts.items()}
    print(f"  {'total':28} {'  '.join(f'{totals[k]:8.1f}' for k in kinds)}")
    if len(kinds) == 2 and totals[kinds[1]]:
        print(f"calls ratio {kinds[0]}/{kinds[1]}: {totals[kinds[0]] / totals[kinds[1]]:.2f}")


def show_tasks(paths: dict[str, Path], replies: int, *, top: int = 12) -> None:
    """The loop's CPU per task for each profiled burst (profiled.py --tasks), in µs per click."""
    per = 1000 / replies  # ms in all -> µs per click
    for kind, path in paths.items():
        data = json.loads(path.read_text())
        print(f"{kind}: event loop {data['loop_ms'] * per:.0f} µs/click, of which garbage collection "
              f"{data['gc_ms'] * per:.0f} ({data['gc_runs']} runs)")
        for name, ms, runs in data["tasks"][:top]:
            print(f"  {ms * per:7.1f} µs/click  {runs:6d} runs  {name}")


def main(platform: str, burst: Callable[..., Awaitable[Burst]], doc: str | None) -> None:
    """The command line both end-to-end benchmarks share: alternated rounds, or one profiled burst."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="bot/floor pairs; the summary is their median")
    profilers = parser.add_mutually_exclusive_group()
    profilers.add_argument("--profile", type=Path, help="profile one bot burst into FILE instead, and print its top entries")
    profilers.add_argument("--tasks", type=Path, metavar="DIR",
                           help="time the event loop's tasks in one bot and one floor burst (files in DIR) and print both")
    profilers.add_argument("--calls", type=Path, metavar="DIR",
                           help="count function calls per click in one bot and one floor burst under cProfile "
                                "(files in DIR), by package: a figure that does not swing with the machine's load")
    parser.add_argument("--code", type=Path, help="run the bot from this checkout of the project (default: this one)")
    args = parser.parse_args()
    if args.code:
        CODE["root"] = args.code.resolve()
        print(f"bot code from {CODE['root']}")
    if args.tasks or args.calls:
        # One profiled burst each of bot and floor, side by side: loop time per task, or calls per package.
        PROFILER["tasks"] = bool(args.tasks)
        folder, suffix, show = (args.tasks, "json", show_tasks) if args.tasks else (args.calls, "prof", show_calls)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {kind: (folder / f"{platform}-{kind}.{suffix}").resolve() for kind in ("bot", "floor")}
        for kind, path in paths.items():
            print(f"{kind}: {asyncio.run(burst(kind, args.members, profile=path)).line()}")
        show(paths, args.members)
        return
    if args.profile:
        result = asyncio.run(burst("bot", args.members, profile=args.profile.resolve()))
        print(f"profiled bot burst, {args.members} members: {result.line()}")
        show_profile(args.profile)
        return
    print(f"{platform}: {args.members} members each click once, all at once; {args.rounds} alternated bot/floor pairs")
    alternate(args.rounds, lambda kind: burst(kind, args.members), label=f"{platform}, {args.members} members")


async def collect(server: Server, waiting: Sequence[Awaitable[tuple[float, Any]]], sent: Sequence[float],
                  start: float, cpu: tuple[float, float], *, clicks: Sequence[int] = (),
                  reply_size: Callable[[Any], int] = lambda call: 0) -> tuple[Burst, list[Any]]:
    """A burst's replies as they arrived (time, call), the profiler stopped, and the burst's figures
    (`clicks`: each click's size in bytes; `reply_size`: a reply call's body size)."""
    done = [await asyncio.wait_for(f, 120) for f in waiting]
    server.signal(signal.SIGUSR2)
    await asyncio.sleep(0.5 if server.profile else 0)  # the stats are written before the process stops
    end = max(t for t, _ in done)
    total, main = server.cpu()
    result = Burst(replies=len(done), elapsed=end - start, latencies=tuple(t - s for (t, _), s in zip(done, sent)),
                   cpu=total - cpu[0], main_cpu=main - cpu[1],
                   click_bytes=int(statistics.median(clicks)) if clicks else 0,
                   reply_bytes=int(statistics.median(reply_size(call) for _, call in done)))
    return result, [call for _, call in done]


@asynccontextmanager
async def serving(server: Server, fake: Any, *, name: str, ok: Collection[int] = (0,)) -> AsyncIterator[None]:
    """`server` runs for the body, then stops with the fake; its log is shown if the body failed,
    and an exit code outside `ok` ends the benchmark."""
    await server.start()
    try:
        yield
    except BaseException:
        print(server.tail(), file=sys.stderr)
        raise
    finally:
        code = await server.stop()
        await fake.stop()
    if code not in ok:
        raise SystemExit(f"{name} exited with {code}:\n{server.tail()}")


def check_recorded(db: Path, members: int) -> None:
    """Every click recorded once: as many answers as members, each on its own delivery."""
    with sqlite3.connect(db) as conn:
        recorded = conn.execute("SELECT COUNT(*), COUNT(DISTINCT delivery_id) FROM answers").fetchone()
    if recorded != (members, members):
        raise SystemExit(f"the bot recorded {recorded} answers for {members} clicks")
