"""Shared pieces for CLI commands: settings with clear errors, and an App for one command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

from bot.cli import CliError

if TYPE_CHECKING:
    from bot.runtime import App
    from bot.settings import Settings

T = TypeVar("T")
_warned = False


def load_settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings

    from bot.settings import unknown_keys

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors())
        raise CliError(f"bad settings: {problems}") from None
    global _warned
    if not _warned:  # a misspelt key silently does nothing; say so once per process
        _warned = True
        for warning in unknown_keys():
            print(f"saga-drills: warning: {warning}", file=sys.stderr)
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


@asynccontextmanager
async def open_app(settings: Settings) -> AsyncIterator[App]:
    from bot.runtime import App

    app = await App.open(settings)
    try:
        yield app
    finally:
        await app.close()


def run_with_app(settings: Settings, body: Callable[[App], Awaitable[T]]) -> T:
    async def go() -> T:
        async with open_app(settings) as app:
            return await body(app)

    return asyncio.run(go())
