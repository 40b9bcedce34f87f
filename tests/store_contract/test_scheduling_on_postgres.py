"""The scheduling tests (schedules, runs, reviews, the outbox, weekly boards) again, on PostgreSQL.

They run on SQLite in tests/scheduling/; here the App of each test sits on a fresh PostgreSQL
database instead. Tests that read the SQLite file itself are left to their own folder.
"""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

globals().update(collected_from([
    "tests.scheduling.conftest", "tests.scheduling.test_runs", "tests.scheduling.test_reviews",
    "tests.scheduling.test_boards", "tests.scheduling.test_service", "tests.scheduling.test_planner",
    "tests.scheduling.test_chat", "tests.scheduling.test_processes",
], skip={
    "cli",
    # Calendar walks (weeks of ticks across DST and weekdays): they test the planner's dates, and
    # repeat on PostgreSQL only statements the tests above already run there.
    "test_spring_forward_neither_skips_nor_doubles_a_day", "test_posts_only_on_the_scheduled_weekdays",
    "test_fall_back_runs_a_repeated_local_time_once", "test_posted_once_on_the_board_day_just_after_that_days_drill",
    # SIGKILL mid-run on PostgreSQL is test_clock_takeover.py's (300 channels, a second process).
    "test_sigkill_mid_run_resumes_and_at_most_the_message_in_flight_goes_twice",
}))
from tests.store_contract.postgres_only import backend, db_path  # noqa: E402,F401 (after the update: these replace the folder's own)


