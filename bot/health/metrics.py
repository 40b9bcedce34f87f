"""Prometheus metrics of one process, on a registry of its own (several apps in one test run never mix)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

PREFIX = "saga_drills"


class Metrics:
    """The counters the core bumps as it works, and the gauges HealthStatus sets before a scrape.

    Counters count this process since it started (Prometheus' `rate()` handles restarts); the
    gauges read the shared database, so any worker's scrape shows the whole team's queue.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._limits_carried: dict[str, int] = {}
        self._children: dict[tuple[Counter, tuple[str, ...]], Any] = {}
        r = self.registry
        self.interactions = Counter(f"{PREFIX}_interactions", "Commands, answers and home views handled, by platform, kind and outcome",
                                    ["platform", "kind", "outcome"], registry=r)
        self.answers_recorded = Counter(f"{PREFIX}_answers_recorded", "Answers this process recorded (first answers, not repeats)",
                                        ["platform"], registry=r)
        self.sends = Counter(f"{PREFIX}_sends", "Outbox messages by platform and result (sent, retried, failed)",
                             ["platform", "result"], registry=r)
        self.rate_limited = Counter(f"{PREFIX}_rate_limited", "HTTP 429 responses a platform API returned", ["platform"], registry=r)
        self.answers = Gauge(f"{PREFIX}_answers_stored", "Answers in the database, all members and processes", registry=r)
        self.outbox_depth = Gauge(f"{PREFIX}_outbox_pending", "Outbox rows not yet sent (due or waiting for their time)", registry=r)
        self.outbox_age = Gauge(f"{PREFIX}_outbox_oldest_due_seconds",
                                "How long the oldest due, unsent outbox row has waited (0 when none is due)", registry=r)
        self.scheduler_lag = Gauge(f"{PREFIX}_scheduler_seconds_since_tick",
                                   "Seconds since this process's scheduler last finished a tick (-1: no scheduler here)", registry=r)
        self.connected = Gauge(f"{PREFIX}_platform_connected", "1 while the platform connection (gateway, Socket Mode, HTTP) is up",
                               ["platform"], registry=r)
        self.database_up = Gauge(f"{PREFIX}_database_up", "1 when the last readiness probe reached the database", registry=r)

    def _child(self, counter: Counter, *values: str) -> Any:
        """`counter`'s child for these label values (in its label order), looked up once per set:
        every click counts on two of them, and `labels()` validates its arguments on every call."""
        key = (counter, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = counter.labels(*values)
        return child

    def interaction(self, platform: str, kind: str, outcome: str) -> None:
        self._child(self.interactions, platform, kind, outcome).inc()

    def answer_recorded(self, platform: str) -> None:
        self._child(self.answers_recorded, platform).inc()

    def send(self, platform: str, result: str) -> None:
        self._child(self.sends, platform, result).inc()

    def limited(self, platform: str) -> None:
        self._child(self.rate_limited, platform).inc()

    def carry_rate_limits(self, platform: str, seen: int) -> None:
        """Bring an adapter's running tally of 429s into the counter (each one counted once)."""
        carried = self._limits_carried.get(platform, 0)
        if seen > carried:
            self._child(self.rate_limited, platform).inc(seen - carried)
        self._limits_carried[platform] = seen

    def exposition(self) -> tuple[bytes, str]:
        """The text format a Prometheus server scrapes, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
