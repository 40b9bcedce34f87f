"""Shared fixtures: a loopback-only network guard, a fixed clock, a real SQLite file, a PostgreSQL cluster, an App."""

from __future__ import annotations

import importlib.util
import ipaddress
import itertools
import os
import socket
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import pytest

from bot.clock import FixedClock

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex

PLATFORM_ENV = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_HTTP_PORT",
    "DISCORD_TOKEN", "DISCORD_GUILD_IDS", "DISCORD_LEAD_ROLE", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL",
    "SAGA_DRILLS_DB", "SAGA_DRILLS_PACKS", "SAGA_DRILLS_TZ", "SAGA_DRILLS_LEADS",
)


def _guard(addr: object) -> None:
    host = addr[0] if isinstance(addr, tuple) else None
    if host is None:  # AF_UNIX and friends never leave the machine
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    raise RuntimeError(f"test tried to reach the network: {addr!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only loopback connections; and no developer's real tokens or .env leak into a test."""

    def connect(self: socket.socket, addr: object) -> None:
        _guard(addr)
        return _real_connect(self, addr)

    def connect_ex(self: socket.socket, addr: object) -> int:
        _guard(addr)
        return _real_connect_ex(self, addr)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    for var in PLATFORM_ENV:
        monkeypatch.delenv(var, raising=False)


# Monday 2 March 2026, 09:00 UTC: a weekday, well away from any DST change.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db_path(tmp_path):  # type: ignore[no-untyped-def]
    return tmp_path / "saga-drills.db"


@pytest.fixture
def settings(db_path):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path))


@pytest.fixture
def library():  # type: ignore[no-untyped-def]
    from bot.content.loader import builtin_pack, load_library

    return load_library([builtin_pack()])


@pytest.fixture
async def store(db_path):  # type: ignore[no-untyped-def]
    from bot.store.sqlite.core import SqliteStore

    s = await SqliteStore.open(db_path)
    yield s
    await s.close()


@pytest.fixture
async def app(settings, clock, library):  # type: ignore[no-untyped-def]
    """The whole core wired as `saga-drills run` wires it, on a temp database and a fixed clock."""
    import random

    from bot.runtime import open_app

    a = await open_app(settings, clock=clock, library=library)
    a.engine.rng = random.Random(7)
    yield a
    await a.close()


@pytest.fixture
def log_to(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Install the process's real logging into a file; take it out again afterwards."""
    import logging

    from bot.cli.logs import setup_logging

    installed: list[logging.Handler] = []

    def install(*, log_format: str = "text", verbose: bool = False) -> Path:
        path = tmp_path / "bot.log"
        installed.extend(setup_logging(verbose, "INFO", log_file=path, log_format=log_format))
        return path

    yield install
    root = logging.getLogger()
    for handler in installed:
        root.removeHandler(handler)
        handler.close()
    for name in ("bot", "adapters"):
        logging.getLogger(name).setLevel(logging.NOTSET)


# -- PostgreSQL: one throwaway cluster per session, a fresh database per test ------------------------
_databases = itertools.count()
CLUSTER = None  # the session's cluster, once started
TEMPLATE = "saga_template"


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    """A test marked sqlite_only must say why, so a PostgreSQL gap is always a written decision."""
    for item in items:
        for mark in item.iter_markers("sqlite_only"):
            reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "")
            if not isinstance(reason, str) or not reason.strip():
                raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs a reason, e.g. sqlite_only(\"WAL checkpoints\")")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Every PostgreSQL skip at one place, so `-ra` folds them into one line saying how to enable them."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple) and str(report.longrepr[2]).startswith(
            ("Skipped: PostgreSQL tests skipped", "PostgreSQL tests skipped")):
        report.longrepr = (__file__, 0, report.longrepr[2])


@pytest.fixture(scope="session")
def pg_cluster():  # type: ignore[no-untyped-def]
    """A cluster on 127.0.0.1 (tests/postgres_cluster.py) with a migrated template database.

    Without PostgreSQL's server binaries (or asyncpg) the tests that need it skip, saying how to
    enable them; under CI=true they fail instead, so CI never passes with them unrun."""
    import asyncio
    import concurrent.futures

    from tests import postgres_cluster

    bin_dir = postgres_cluster.find_bin()
    reason = None
    if importlib.util.find_spec("asyncpg") is None:
        reason = "PostgreSQL tests skipped: asyncpg is not installed; python3 dev.py test installs the test extras"
    elif bin_dir is None:
        reason = postgres_cluster.HOW_TO_ENABLE
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    global CLUSTER
    cluster = CLUSTER = postgres_cluster.start(bin_dir)
    try:
        # On a thread of its own: an async fixture may ask for this one inside its event loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _make_template(cluster)).result()
        yield cluster
    finally:
        postgres_cluster.stop(cluster)


async def _make_template(cluster) -> None:  # type: ignore[no-untyped-def]
    import asyncpg

    from bot.store.postgres.database import PgDatabase

    conn = await asyncpg.connect(cluster.url())
    await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    await conn.close()
    db = await PgDatabase.open(cluster.url(TEMPLATE), shown=TEMPLATE)
    await db.close()


async def new_database(cluster, *, migrated: bool = True, extra: str = "") -> str:  # type: ignore[no-untyped-def]
    """A fresh database's URL: a copy of the migrated template, or empty (template0)."""
    import asyncpg

    name = f"t{os.getpid()}_{next(_databases)}"
    template = TEMPLATE if migrated else "template0"
    conn = await asyncpg.connect(cluster.url())
    try:
        # FILE_COPY: with fsync off, copying the template's files beats WAL-logging each page.
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY {extra}")
    finally:
        await conn.close()
    return cluster.url(name)


# Databases a finished test handed back, emptied before the next one takes them: a copy of the
# template costs ~0.2 s, emptying a few rows out of each table a few milliseconds.
_returned: list[str] = []


async def _emptied(cluster, name: str) -> bool:  # type: ignore[no-untyped-def]
    import asyncpg

    from bot.store.sqlite.database import latest_version

    conn = await asyncpg.connect(cluster.url(name), server_settings={"lock_timeout": "2000"})
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")]
        # replica: foreign keys are not checked, so the order of the DELETEs does not matter.
        await conn.execute("SET session_replication_role = replica; "
                           + "".join(f"DELETE FROM {t}; " for t in tables)
                           + f"DELETE FROM schema_migrations WHERE version > {latest_version()}; "
                           # the fold's seq starts again at 1, as in a new database (pending() counts by it)
                           + "ALTER TABLE answers ALTER COLUMN seq RESTART; "
                           + "RESET session_replication_role")
        return True
    except asyncpg.PostgresError:  # a test left a lock behind: this one gets a fresh copy instead
        return False
    finally:
        await conn.close()


@asynccontextmanager
async def checked_out_database(cluster):  # type: ignore[no-untyped-def]
    """A migrated, empty database for the block (a handed-back one when there is one), handed back after."""
    while _returned:
        name = _returned.pop()
        if await _emptied(cluster, name):
            break
    else:
        name = (await new_database(cluster)).rsplit("/", 1)[1]
    try:
        yield cluster.url(name)
    finally:
        _returned.append(name)


@pytest.fixture
async def pg_url(pg_cluster):  # type: ignore[no-untyped-def]
    """A migrated, empty PostgreSQL database for this test."""
    async with checked_out_database(pg_cluster) as url:
        yield url
