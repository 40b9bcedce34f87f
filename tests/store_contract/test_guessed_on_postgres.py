"""The "I guessed" buttons on Slack and on Discord again, on PostgreSQL: the mark and the refusals go through its store."""

from __future__ import annotations

from tests.store_contract.rerun import collected_from

globals().update(collected_from(["tests.slack.conftest", "tests.slack.test_slack_guessed",
                                 "tests.discord.conftest", "tests.discord.test_discord_guessed"]))
from tests.store_contract.postgres_only import backend, db_path  # noqa: E402,F401 (after the update: these replace the folder's own)


async def test_these_apps_are_on_postgresql(app) -> None:  # type: ignore[no-untyped-def]
    """The Slack settings fixture is the one these tests use, for Discord too; it must point here."""
    assert type(app.store).__name__ == "PostgresStore"
