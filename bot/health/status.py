"""HealthStatus: the core's answer to /readyz and /metrics (ports.Health), read from the app's parts."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.ports import Check, Readiness

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# A probe that waits longer than this says "not ready" instead: Kubernetes' default probe
# timeout is 1 s, and a hung check must never hang the endpoint.
PROBE_TIMEOUT_S = 0.8


class HealthStatus:
    """Readiness and metrics for one running App. Services take part by offering `readiness()`."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def readiness(self) -> Readiness:
        checks = [await self._database(), *[await self._platform(name, a) for name, a in self.app.adapters.items()]]
        for service in self.app.services:
            probe = getattr(service, "readiness", None)
            if probe is not None:
                checks.append(await self._bounded(service.__class__.__name__, probe()))
        return Readiness(ready=all(c.ok for c in checks), checks=tuple(checks))

    async def metrics(self) -> tuple[bytes, str]:
        metrics = self.app.metrics
        try:
            stored = await asyncio.wait_for(self.app.store.answer_count(), PROBE_TIMEOUT_S)
            pending, oldest_due = await asyncio.wait_for(self.app.schedules.outbox_backlog(now=self.app.engine.clock.now()),
                                                         PROBE_TIMEOUT_S)
        except Exception as exc:  # the scrape still answers: counters are worth having when the database is not
            log.warning("metrics: database gauges not refreshed (%s)", type(exc).__name__)
            metrics.database_up.set(0)
        else:
            metrics.database_up.set(1)
            metrics.answers.set(stored)
            metrics.outbox_depth.set(pending)
            metrics.outbox_age.set(oldest_due)
        for name, adapter in self.app.adapters.items():
            metrics.connected.labels(platform=name).set(1 if await self._is_connected(adapter) else 0)
            metrics.carry_rate_limits(name, int(getattr(adapter, "rate_limited", 0)))
        lag = next((s.seconds_since_tick() for s in self.app.services if hasattr(s, "seconds_since_tick")), None)
        metrics.scheduler_lag.set(-1 if lag is None else lag)
        return metrics.exposition()

    async def _database(self) -> Check:
        try:
            await asyncio.wait_for(self.app.store.answer_count(), PROBE_TIMEOUT_S)
        except TimeoutError:
            self.app.metrics.database_up.set(0)
            return Check(name="database", ok=False, detail=f"no answer within {PROBE_TIMEOUT_S:g} s")
        except Exception as exc:
            self.app.metrics.database_up.set(0)
            return Check(name="database", ok=False, detail=type(exc).__name__)
        self.app.metrics.database_up.set(1)
        return Check(name="database", ok=True)

    async def _platform(self, name: str, adapter: Any) -> Check:
        up = await self._is_connected(adapter)
        return Check(name=name, ok=up, detail="" if up else "not connected")

    @staticmethod
    async def _is_connected(adapter: Any) -> bool:
        probe = getattr(adapter, "connected", None)
        if probe is None:
            return True
        try:
            return bool(await asyncio.wait_for(probe(), PROBE_TIMEOUT_S))
        except Exception:
            return False

    @staticmethod
    async def _bounded(name: str, probe: Any) -> Check:
        try:
            return await asyncio.wait_for(probe, PROBE_TIMEOUT_S)
        except Exception as exc:
            return Check(name=name, ok=False, detail=type(exc).__name__)
