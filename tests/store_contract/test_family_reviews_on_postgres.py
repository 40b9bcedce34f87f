"""Family reviews by DM (tests/scheduling/test_family_reviews.py) again, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import backend_for
from tests.store_contract.rerun import collected_from

# The scheduling folder's fixtures, with the family pack in place of its small one.
globals().update(collected_from(["tests.scheduling.conftest", "tests.scheduling.test_family_reviews"],
                                skip={"cli"}, overrides={"pack"}))


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen
