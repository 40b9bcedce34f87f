"""The leaderboard tests (folds, boards, periods, seasons, reports, privacy) again, on PostgreSQL.

They run on SQLite in tests/leaderboard/; here each test's App sits on a fresh PostgreSQL
database. Tests marked sqlite_only stay in their own folder.
"""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

globals().update(collected_from([
    "tests.leaderboard.conftest", "tests.leaderboard.test_board_commands", "tests.leaderboard.test_board_periods",
    "tests.leaderboard.test_board_rules", "tests.leaderboard.test_board_report", "tests.leaderboard.test_board_seasons",
    "tests.leaderboard.test_board_privacy", "tests.leaderboard.test_board_scoring",
    "tests.scheduling.conftest", "tests.scheduling.test_board_words",
], skip={
    # Marked sqlite_only in their own modules.
    "test_one_open_season_across_processes", "test_migration_0004_keeps_every_outbox_row_of_a_shipped_database",
    # The CLI on a SQLite file of its own; the library fixture is the leaderboard's here.
    "cli", "library", "test_cli_add_with_a_board_day_then_board_off", "test_cli_board_errors_are_one_line_naming_the_field",
}))
from tests.store_contract.postgres_only import backend  # noqa: E402,F401 (after the update: these replace the folder's own)


