"""App: what a running bot shares (settings, library, stores, engine, router, services, adapters); no wiring."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.commands import CommandRouter
from bot.content.loader import Library
from bot.engine import Engine
from bot.health.metrics import Metrics
from bot.ports import ChannelAccess
from bot.settings import Settings
from bot.store import Store
from bot.store.boards import BoardStore, SeasonStore
from bot.store.schedules import ScheduleStore

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running bot shares: one store, one library, one engine, one router.

    Built by bot.runtime.open_app; features and the CLI take it as their context. It sits below
    them in the import graph, so naming its type is never an upward edge.
    """

    settings: Settings
    store: Store  # SqliteStore or PostgresStore: bot.runtime picks by SAGA_DRILLS_DB
    library: Library
    engine: Engine
    router: CommandRouter
    # The features' stores, typed by their ports: a second backend only has to fill them.
    schedules: ScheduleStore
    boards: BoardStore
    seasons: SeasonStore
    metrics: Metrics = field(default_factory=Metrics)
    services: list[Any] = field(default_factory=list)
    adapters: dict[str, Any] = field(default_factory=dict)

    async def channel_access(self, platform: str, channel: str) -> ChannelAccess:
        """Ask the platform's adapter to make `channel` postable (Slack joins a public one); a lead's
        `/drill schedule set` and "Post to channel" say the result in their reply, not in a log."""
        adapter = self.adapters.get(platform)
        if adapter is None:
            return ChannelAccess(ok=True)  # a CLI process without the platform: the running bot checks
        try:
            return await adapter.prepare_channel(channel)
        except Exception:  # an adapter bug must not lose the lead's command
            log.exception("checking access to a %s channel failed", platform)
            return ChannelAccess(ok=True)

    async def close(self) -> None:
        await self.store.close()
