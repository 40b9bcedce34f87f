"""The runtime: wires settings, library, store, engine and adapters onto one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import pkgutil
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock
from bot.commands import CommandRouter
from bot.content.loader import Library, builtin_pack, load_library
from bot.engine import Engine, Rules
from bot.settings import Settings
from bot.store.sqlite_store import SqliteStore

log = logging.getLogger(__name__)

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


def _features() -> list[Any]:
    """Every module in bot.features, in name order (see its docstring for the contract)."""
    import bot.features

    return [importlib.import_module(f"bot.features.{m.name}") for m in sorted(pkgutil.iter_modules(bot.features.__path__), key=lambda m: m.name)]


def pack_folders(settings: Settings) -> list[Path]:
    return [builtin_pack(), *settings.packs]


def load_settings_library(settings: Settings) -> Library:
    """The built-in pack plus SAGA_DRILLS_PACKS; raises LibraryError with every problem."""
    return load_library(pack_folders(settings))


@dataclass
class App:
    """Everything a running bot shares: one store, one library, one engine, one router."""

    settings: Settings
    store: SqliteStore
    library: Library
    engine: Engine
    router: CommandRouter
    services: list[Any] = field(default_factory=list)
    adapters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None, library: Library | None = None) -> App:
        library = library or load_settings_library(settings)
        store = await SqliteStore.open(settings.db)
        rules = Rules(mastery=settings.mastery_threshold, orbit=settings.orbit_threshold,
                      hold=settings.hold_retrievability, default_tz=settings.tz)
        engine = Engine(store, library, clock=clock or SystemClock(), rules=rules)
        app = cls(settings=settings, store=store, library=library, engine=engine,
                  router=CommandRouter(engine, leads=settings.leads))
        for feature in _features():
            service = feature.install(app)
            if service is not None:
                app.services.append(service)
        return app

    async def close(self) -> None:
        await self.store.close()


async def serve(app: App, adapter_names: Sequence[str]) -> int:
    """Connect every adapter, start services, listen until a signal or every listener ends."""
    from adapters import create_adapter

    console = {"drill_count": len(app.library.active)}  # its greeting says how many drills are loaded
    adapters = [create_adapter(name, app.settings, app.router, **(console if name == "console" else {}))
                for name in adapter_names]
    for adapter in adapters:
        app.adapters[adapter.name] = adapter
    stop = asyncio.Event()
    listeners: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        for adapter in adapters:
            await adapter.connect()
            log.info("%s adapter connected", adapter.name)
        for service in app.services:
            await service.start(app)
        frozen = tune_interpreter()
        log.info("serving: GIL switch interval %.1f ms, %d startup objects frozen", SWITCH_INTERVAL_S * 1000, frozen)
        listeners.extend(asyncio.create_task(a.listen(), name=f"listen-{a.name}") for a in adapters)
        stopper = asyncio.create_task(stop.wait(), name="signal")
        pending = set(listeners)
        # One platform ending (the console at EOF) leaves the others serving; a signal ends all.
        while pending and not stop.is_set():
            await asyncio.wait([*pending, stopper], return_when=asyncio.FIRST_COMPLETED)
            pending = {t for t in pending if not t.done()}
        stopper.cancel()
        failed = [t for t in listeners if t.done() and not t.cancelled() and t.exception()]
        for task in failed:
            log.error("%s failed: %s", task.get_name(), task.exception())
        return 1 if failed else 0
    finally:
        for service in reversed(app.services):
            with contextlib.suppress(Exception):
                await service.stop()
        for adapter in adapters:
            with contextlib.suppress(Exception):
                await adapter.disconnect()
        for task in [t for t in listeners if not t.done()]:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
