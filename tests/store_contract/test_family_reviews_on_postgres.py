"""Family reviews by DM (tests/scheduling/test_family_reviews.py) again, on PostgreSQL."""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

# The scheduling folder's fixtures, with the family pack in place of its small one.
globals().update(collected_from(["tests.scheduling.conftest", "tests.scheduling.test_family_reviews"],
                                skip={"cli"}, overrides={"pack"}))
from tests.store_contract.postgres_only import backend  # noqa: E402,F401 (after the update: these replace the folder's own)


