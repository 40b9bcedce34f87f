"""Shared pieces for CLI commands: settings with clear errors, and an App for one command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

from bot.cli import CliError

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

T = TypeVar("T")


def load_settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise CliError(f"bad settings: {problems}") from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


@asynccontextmanager
async def opened_app(settings: Settings) -> AsyncIterator[App]:
    from bot.runtime import open_app

    app = await open_app(settings)
    try:
        yield app
    finally:
        await app.close()


def run_with_app(settings: Settings, body: Callable[[App], Awaitable[T]]) -> T:
    async def go() -> T:
        async with opened_app(settings) as app:
            return await body(app)

    return asyncio.run(go())
