"""The engine's tests (dealing, feedback, tiers, altitude) again, on PostgreSQL.

Tests that read the SQLite file itself (db_path) stay SQLite-only in their own modules, and
tests without a database run once there.
"""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import backend_for
from tests.store_contract.rerun import collected_from

_ENGINE_READS_SQLITE = {
    "test_right_answer_feedback_and_record", "test_repeat_click_returns_first_feedback_and_writes_nothing",
    "test_unknown_option_is_a_notice_and_nothing_written", "test_unknown_delivery_is_a_notice_with_a_way_on",
    "test_someone_elses_drill_is_refused", "test_channel_drill_window_and_reveal",
    "test_retracted_drill_is_not_served_and_answers_stay", "test_router_commands_pause_optout_forget",
    "test_a_failed_commit_records_nothing_and_forgets_the_feedback_it_derived",
    "test_a_huge_command_is_refused_without_parsing_and_nothing_changes",
}
_NO_DATABASE = {"test_level_table", "test_thresholds_are_settings", "test_empty_tier_never_counts_as_mastered",
                "test_target_tier_follows_level", "test_progress_line_names_the_gate"}

globals().update(collected_from(["tests.test_engine", "tests.test_altitude"],
                                skip=_ENGINE_READS_SQLITE | _NO_DATABASE))


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen
