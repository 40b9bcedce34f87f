"""Discord set-up over REST only: register /drill (sync-commands), the invite link; errors are AdapterError."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from adapters.discord_adapter.client import DiscordRouting, DrillClient
from bot.ports import AdapterError

if TYPE_CHECKING:
    from bot.settings import Settings

T = TypeVar("T")

NO_TOKEN = "DISCORD_TOKEN is not set; copy the bot token from the Developer Portal (Bot → Reset Token)"

# Exactly what the bot does: read the channel, post cards (embeds, snippet files), start the
# reveal thread on its own post and write in it. Nothing else (no Manage, no mentions).
BOT_PERMISSIONS = ("view_channel", "send_messages", "send_messages_in_threads", "create_public_threads",
                   "embed_links", "attach_files", "read_message_history")
SCOPES = ("bot", "applications.commands")


def bot_permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name in BOT_PERMISSIONS})


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(int(application_id), permissions=bot_permissions(), scopes=SCOPES)


def token(settings: Settings) -> str:
    if not settings.discord_token:
        raise AdapterError(NO_TOKEN)
    return settings.discord_token.get_secret_value()


async def logged_in(settings: Settings, body: Callable[[DrillClient], Awaitable[T]]) -> T:
    """Log in over REST only (no gateway), run body(client), always close; errors become one line."""
    try:
        routing = DiscordRouting(settings.discord_api_base_url, settings.discord_gateway_url)
    except ValueError as exc:
        raise AdapterError(str(exc)) from None
    routing.apply()
    client = DrillClient(None)
    try:
        await client.login(token(settings))
        return await body(client)
    except discord.LoginFailure:
        raise AdapterError("Discord rejected DISCORD_TOKEN (401); reset it in the Developer Portal and set it again") from None
    except discord.HTTPException as exc:
        raise AdapterError(f"Discord refused: {exc.status} {exc.text or exc} (code {exc.code})") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise AdapterError(f"cannot reach Discord's API at {routing.api}: {type(exc).__name__}: {exc}") from None
    finally:
        await client.close()
        routing.restore()


async def sync_commands(settings: Settings, *, clear: bool = False) -> list[str]:
    """Register (or with clear, remove) /drill per server in DISCORD_GUILD_IDS, else globally; one line per scope."""

    async def sync(client: Any) -> list[str]:
        done = []
        scopes = [discord.Object(g) for g in settings.discord_guild_ids] or [None]
        for guild in scopes:
            if clear:
                client.tree.clear_commands(guild=guild)
            elif guild is not None:
                # The tree holds /drill globally; a server gets a copy, which Discord shows at once.
                client.tree.copy_global_to(guild=guild)
            commands = await client.tree.sync(guild=guild)
            where = f"server {guild.id}" if guild is not None else "all servers (global; may take a while to appear)"
            names = ", ".join(sorted(f"/{c.name}" for c in commands)) or "no commands"
            done.append(f"{'cleared' if clear else 'synced'} {names} for {where}")
        return done

    return await logged_in(settings, sync)


async def application_id(settings: Settings) -> str:
    """The bot's application id, asked of Discord with DISCORD_TOKEN."""

    async def fetch(client: Any) -> str:
        return str(client.application_id)

    return await logged_in(settings, fetch)
