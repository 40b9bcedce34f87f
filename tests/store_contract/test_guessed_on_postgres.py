"""The "I guessed" buttons on Slack and on Discord again, on PostgreSQL: the mark and the refusals go through its store."""

from __future__ import annotations

import pytest

from tests.store_contract.conftest import backend_for
from tests.store_contract.rerun import collected_from

globals().update(collected_from(["tests.slack.conftest", "tests.slack.test_slack_guessed",
                                 "tests.discord.conftest", "tests.discord.test_discord_guessed"]))


@pytest.fixture
async def backend(request, tmp_path):  # type: ignore[no-untyped-def]
    async with backend_for(request, tmp_path, "postgres") as chosen:
        yield chosen


@pytest.fixture
def db_path(backend):  # type: ignore[no-untyped-def]
    """What the Slack settings hand the App as SAGA_DRILLS_DB: here, the PostgreSQL URL."""
    return backend.db


async def test_these_apps_are_on_postgresql(app) -> None:  # type: ignore[no-untyped-def]
    """The Slack settings fixture is the one these tests use, for Discord too; it must point here."""
    assert type(app.store).__name__ == "PostgresStore"
