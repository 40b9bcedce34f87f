"""The runtime: builds the App (store, engine, router, FEATURES) and serves its adapters on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.app import App
from bot.clock import Clock, SystemClock
from bot.commands import CommandRouter
from bot.content.loader import Library, LibraryError, builtin_pack, load_library
from bot.engine import Engine, Rules
from bot.health.metrics import Metrics
from bot.health.status import HealthStatus
from bot.leaderboard import chat as leaderboard_chat
from bot.scheduling import chat as scheduling_chat
from bot.roles import RolePlan
from bot.settings import DatabaseUrl, Settings
from bot.store.sqlite import Stores, open_stores

log = logging.getLogger(__name__)

# The features, in the order their `/drill` words appear in help. Each install(app) registers its
# words and hooks on app.router and returns a service that serve() starts after the adapters
# connect (`async start(app)`, `async stop()`), or None.
FEATURES: tuple[Callable[[App], Any], ...] = (leaderboard_chat.install, scheduling_chat.install)


def pack_folders(settings: Settings) -> list[Path]:
    return [builtin_pack(), *settings.packs]


def load_settings_library(settings: Settings) -> Library:
    """The built-in pack plus SAGA_DRILLS_PACKS; raises LibraryError with every problem.

    The same rules as `drills check` (its errors; warnings do not block), so the bot never serves
    a drill the check refuses: an oversized snippet, a fence inside it, a card over a platform limit.
    """
    from adapters import payload_renderers
    from bot.content.checks import check_library

    library = load_library(pack_folders(settings))
    errors = [p for p in check_library(library, renderers=payload_renderers(), warnings=False) if not p.warning]
    if errors:
        raise LibraryError(errors)
    return library


async def open_backend(db: Path | DatabaseUrl) -> Stores:
    """SAGA_DRILLS_DB's backend: a path is a SQLite file, a postgresql:// URL a PostgreSQL database."""
    if isinstance(db, DatabaseUrl):
        from bot.store.postgres import open_stores as open_postgres

        return await open_postgres(db.url, shown=str(db))
    return await open_stores(db)


async def open_app(settings: Settings, *, clock: Clock | None = None, library: Library | None = None) -> App:
    """The whole core on `settings`: the store opened (and migrated), the engine, the router, every feature."""
    library = library or load_settings_library(settings)
    stores = await open_backend(settings.db)
    store = stores.core
    # Cards kept under a drill id (before families, or before a drill joined one) become the
    # family's card; a no-op once folded, so every start may run it.
    await store.fold_cards(library.family_map())
    rules = Rules(mastery=settings.mastery_threshold, orbit=settings.orbit_threshold,
                  hold=settings.hold_retrievability, default_tz=settings.tz)
    engine = Engine(store, library, clock=clock or SystemClock(), rules=rules)
    metrics = Metrics()
    app = App(settings=settings, store=store, library=library, engine=engine,
              router=CommandRouter(engine, leads=settings.leads, metrics=metrics), schedules=stores.schedules,
              boards=stores.boards, seasons=stores.seasons, metrics=metrics)
    for install in FEATURES:
        service = install(app)
        if service is not None:
            app.services.append(service)
    return app


async def serve(app: App, adapter_names: Sequence[str], *, role: RolePlan | None = None) -> int:
    """Connect every adapter, start services, listen until a signal or every listener ends."""
    from adapters import create_adapter

    from adapters.health_adapter.adapter import HealthEndpoint

    health = HealthStatus(app)
    options: dict[str, dict[str, Any]] = {
        "console": {"drill_count": len(app.library.active)},  # its greeting says how many drills are loaded
        "slack": {"health": health},  # HTTP mode serves the operator routes beside /slack/events
    }
    role = role or RolePlan("all", tuple(adapter_names), serve=True, clock=True)
    if not role.serve:  # the clock role: log in to send, take no platform's events
        options = {name: {"serve": False} for name in adapter_names}
    if not role.clock:  # several web processes on one database: only clock processes tick
        app.services[:] = [s for s in app.services if not getattr(s, "clock", False)]
    adapters = [create_adapter(name, app.settings, app.router, **options.get(name, {})) for name in adapter_names]
    endpoint = (HealthEndpoint(health, host=app.settings.http_host, port=app.settings.http_port)
                if app.settings.http_port is not None else None)
    for adapter in adapters:
        app.adapters[adapter.name] = adapter
    stop = asyncio.Event()
    listeners: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        if endpoint is not None:  # first: /healthz answers while the platforms connect, /readyz says not yet
            await endpoint.start()
        for adapter in adapters:
            await adapter.connect()
            log.info("%s adapter connected", adapter.name)
        for service in app.services:
            await service.start(app)
        if (tuned := app.store.serving()):
            log.info("serving: %s", tuned)
        if role.serve:
            listeners.extend(asyncio.create_task(a.listen(), name=f"listen-{a.name}") for a in adapters)
        log.info("role %s: %s, %s", role.role, ", ".join(adapter_names) or "no platform",
                 "scheduler on" if role.clock else "no scheduler")
        stopper = asyncio.create_task(stop.wait(), name="signal")
        # A clock process listens to nothing: it serves until a signal.
        pending = set(listeners) or {stopper}
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
        if endpoint is not None:
            with contextlib.suppress(Exception):
                await endpoint.stop()
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
