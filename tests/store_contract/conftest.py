"""The store contract's fixtures: `backend`, one database per test on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tests.conftest import checked_out_database

BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class Backend:
    """What SAGA_DRILLS_DB says for one test's database, and how to open it as a process would."""

    name: str
    db: str

    def settings(self, **env: object):  # type: ignore[no-untyped-def]
        from bot.settings import Settings

        return Settings(_env_file=None, SAGA_DRILLS_DB=self.db, **env)

    async def open(self):  # type: ignore[no-untyped-def]
        from bot.runtime import open_backend

        return await open_backend(self.settings().db)


@asynccontextmanager
async def backend_for(request: pytest.FixtureRequest, tmp_path, name: str) -> AsyncIterator[Backend]:  # type: ignore[no-untyped-def]
    if name == "sqlite":
        yield Backend("sqlite", str(tmp_path / "contract.db"))
        return
    async with checked_out_database(request.getfixturevalue("pg_cluster")) as url:
        yield Backend("postgres", url)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    async with backend_for(request, tmp_path, request.param) as chosen:
        yield chosen


@pytest.fixture
def settings(backend: Backend):  # type: ignore[no-untyped-def]
    """The App of tests/conftest.py, on this test's backend."""
    return backend.settings()


@pytest.fixture
async def stores(backend: Backend):  # type: ignore[no-untyped-def]
    opened = await backend.open()
    yield opened
    await opened.close()
