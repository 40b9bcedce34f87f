"""The incremental standing against a full recompute (tests/test_standing.py) again, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import backend_for
from tests.store_contract.rerun import collected_from

globals().update(collected_from(["tests.test_standing"], ))


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen
