"""The endpoints' bodies, pure: a readiness verdict as an HTTP status and a small JSON document."""

from __future__ import annotations

from typing import Any

from bot.ports import Readiness

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"
METRICS_PATH = "/metrics"
PATHS = (HEALTHZ_PATH, READYZ_PATH, METRICS_PATH)


def readiness_payload(readiness: Readiness) -> tuple[int, dict[str, Any]]:
    """200 when ready, 503 otherwise (what load balancers and Kubernetes probes act on)."""
    body = {"ready": readiness.ready,
            "checks": {c.name: ("ok" if c.ok else c.detail or "failing") for c in readiness.checks}}
    return (200 if readiness.ready else 503), body


def liveness_payload() -> tuple[int, dict[str, Any]]:
    """The process answers: the event loop is alive. Nothing else is checked (that is /readyz)."""
    return 200, {"alive": True}
