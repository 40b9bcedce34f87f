"""The scheduling tests (schedules, runs, reviews, the outbox, weekly boards) again, on PostgreSQL.

They run on SQLite in tests/scheduling/; here the App of each test sits on a fresh PostgreSQL
database instead. Tests that read the SQLite file itself are left to their own folder.
"""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import make_backend
from tests.store_contract.rerun import collected_from

globals().update(collected_from([
    "tests.scheduling.conftest", "tests.scheduling.test_runs", "tests.scheduling.test_reviews",
    "tests.scheduling.test_boards", "tests.scheduling.test_service", "tests.scheduling.test_planner",
    "tests.scheduling.test_chat", "tests.scheduling.test_processes",
], skip={"cli"}))


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    return await make_backend(request, tmp_path, "postgres")


@pytest.fixture
def db_path(backend):  # type: ignore[no-untyped-def]
    """What the subprocess tests hand their workers as SAGA_DRILLS_DB: here, the PostgreSQL URL."""
    return backend.db
