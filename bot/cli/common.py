"""Shared pieces for CLI commands: settings with clear errors, and an App for one command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.cli import CliError

if TYPE_CHECKING:
    from bot.app import App
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
async def opened_app(settings: Settings) -> AsyncIterator[App]:
    from bot.runtime import open_app

    app = await open_app(settings)
    try:
        yield app
    finally:
        await app.close()


def run_with_app(settings: Settings, body: Callable[[App], Awaitable[T]], *, create: bool = True) -> T:
    """Run `body` with an App on the settings' database; `create=False` (every command that only
    reads) refuses a database that does not exist instead of making an empty one to report on."""
    if not create and isinstance(settings.db, Path) and not settings.db.exists():
        raise CliError(f"no database at {settings.db.absolute()}; run this where the bot runs, or point "
                       f"SAGA_DRILLS_DB at its file (e.g. SAGA_DRILLS_DB=/srv/saga/saga-drills.db saga-drills …)")

    async def go() -> T:
        async with opened_app(settings) as app:
            return await body(app)

    return asyncio.run(go())
