"""Fixtures for a module that reruns another folder's tests on PostgreSQL only.

Import them after the module's `globals().update(collected_from(...))`, so that they replace
the rerun folder's own `backend` / `db_path` rather than being replaced by them."""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import backend_for


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    """The PostgreSQL backend alone (the folder conftest's `backend` runs both)."""
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen


@pytest.fixture
def db_path(backend):  # type: ignore[no-untyped-def]
    """What settings hand the App as SAGA_DRILLS_DB: here, the PostgreSQL URL."""
    return backend.db
