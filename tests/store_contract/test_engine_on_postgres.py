"""The engine's tests (dealing, feedback, tiers, altitude) again, on PostgreSQL.

Tests marked sqlite_only stay in their own modules, and tests without a database run once there.
"""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

_ENGINE_SQLITE_ONLY = {"test_a_failed_commit_records_nothing_and_forgets_the_feedback_it_derived"}
_NO_DATABASE = {"test_level_table", "test_thresholds_are_settings", "test_empty_tier_never_counts_as_mastered",
                "test_target_tier_follows_level", "test_progress_line_names_the_gate"}

globals().update(collected_from(["tests.test_engine", "tests.test_altitude"],
                                skip=_ENGINE_SQLITE_ONLY | _NO_DATABASE))
from tests.store_contract.postgres_only import backend  # noqa: E402,F401 (after the update: these replace the folder's own)


