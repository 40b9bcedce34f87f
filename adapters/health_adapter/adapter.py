"""HealthEndpoint: an aiohttp server for the operator routes; the Slack adapter mounts the same routes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.ports import AdapterError
from adapters.health_adapter.render import HEALTHZ_PATH, METRICS_PATH, READYZ_PATH, liveness_payload, readiness_payload

if TYPE_CHECKING:
    from bot.ports import Health

log = logging.getLogger(__name__)


class HealthSetupError(AdapterError):
    """The operator port cannot be opened; the message names the setting to change."""


def health_routes(health: Health) -> list[web.RouteDef]:
    """GET /healthz, /readyz and /metrics answered from `health` (ports.Health)."""

    async def healthz(_: web.Request) -> web.Response:
        status, body = liveness_payload()
        return web.json_response(body, status=status)

    async def readyz(_: web.Request) -> web.Response:
        status, body = readiness_payload(await health.readiness())
        return web.json_response(body, status=status)

    async def metrics(_: web.Request) -> web.Response:
        payload, content_type = await health.metrics()
        # aiohttp refuses a content_type with parameters; the exposition's is "text/plain; version=…".
        return web.Response(body=payload, headers={"Content-Type": content_type})

    return [web.get(HEALTHZ_PATH, healthz), web.get(READYZ_PATH, readyz), web.get(METRICS_PATH, metrics)]


class HealthEndpoint:
    """The operator routes on SAGA_DRILLS_HTTP_HOST:SAGA_DRILLS_HTTP_PORT (port 0: any free port)."""

    name = "health"

    def __init__(self, health: Health, *, host: str, port: int) -> None:
        self.health = health
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        web_app = web.Application()
        web_app.add_routes(health_routes(self.health))
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise HealthSetupError(f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                                   "set SAGA_DRILLS_HTTP_PORT to a free port") from None
        self._runner = runner
        self.port = runner.addresses[0][1]
        log.info("health endpoints on http://%s:%d (%s, %s, %s)", self.host, self.port, HEALTHZ_PATH, READYZ_PATH, METRICS_PATH)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
