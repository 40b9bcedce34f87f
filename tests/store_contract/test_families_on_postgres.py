"""The family-card tests (siblings, "I guessed", trap steering) again, on PostgreSQL."""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

globals().update(collected_from(["tests.test_families"], skip={
    # It hands the SQLite file's path (db_path) to a `drills stats` subprocess.
    "test_drills_stats_reports_the_guess_rate_per_drill",
    # No database: they run once, in their own module.
    "test_drills_check_names_every_family_problem_as_path_line_id", "test_the_trap_steers_until_a_new_family_is_answered_right",
}))
from tests.store_contract.postgres_only import backend  # noqa: E402,F401 (after the update: these replace the folder's own)


