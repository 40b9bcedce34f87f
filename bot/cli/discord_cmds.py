"""CLI: `saga-drills discord sync-commands` and `saga-drills discord invite-url`."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from bot.cli import CliError, setup_logging
from bot.cli.common import load_settings

if TYPE_CHECKING:
    from bot.settings import Settings

# Exactly what the bot does: read the channel, post cards (embeds, snippet files), start the
# reveal thread on its own post and write in it. Nothing else (no Manage, no mentions).
BOT_PERMISSIONS = ("view_channel", "send_messages", "send_messages_in_threads", "create_public_threads",
                   "embed_links", "attach_files", "read_message_history")
SCOPES = ("bot", "applications.commands")


def register(sub: argparse._SubParsersAction) -> None:
    dc = sub.add_parser("discord", help="Discord set-up: register /drill, print the invite link")
    dsub = dc.add_subparsers(dest="discord_command", metavar="ACTION", required=True)

    sync = dsub.add_parser("sync-commands", help="register /drill with Discord (per server in DISCORD_GUILD_IDS, else global)",
                           description="Register the /drill commands with Discord. With DISCORD_GUILD_IDS they are "
                                       "registered per server and appear at once; otherwise globally (Discord may take "
                                       "a while to show new global commands). Run it after install and after upgrades "
                                       "that change /drill; the bot never syncs on start.")
    sync.add_argument("--clear", action="store_true", help="remove the commands from the same scope instead")
    sync.set_defaults(func=cmd_sync)

    invite = dsub.add_parser("invite-url", help="print the link that adds the bot to a server",
                             description="Print the OAuth2 link with the scopes bot + applications.commands and "
                                         "exactly the permissions the bot needs. Uses DISCORD_APPLICATION_ID, or asks "
                                         "Discord with DISCORD_TOKEN.")
    invite.set_defaults(func=cmd_invite)


def bot_permissions() -> Any:
    import discord

    return discord.Permissions(**{name: True for name in BOT_PERMISSIONS})


def invite_url(application_id: int | str) -> str:
    import discord

    return discord.utils.oauth_url(int(application_id), permissions=bot_permissions(), scopes=SCOPES)


def _token(settings: Settings) -> str:
    if not settings.discord_token:
        raise CliError("DISCORD_TOKEN is not set; copy the bot token from the Developer Portal (Bot → Reset Token)")
    return settings.discord_token.get_secret_value()


async def _logged_in(settings: Settings, body: Any) -> Any:
    """Log in over REST only (no gateway), run body(client), always close; errors become one line."""
    import aiohttp
    import discord

    from adapters.discord_adapter.client import DiscordRouting, DrillClient

    try:
        routing = DiscordRouting(settings.discord_api_base_url, settings.discord_gateway_url)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    routing.apply()
    client = DrillClient(None)
    try:
        await client.login(_token(settings))
        return await body(client)
    except discord.LoginFailure:
        raise CliError("Discord rejected DISCORD_TOKEN (401); reset it in the Developer Portal and set it again") from None
    except discord.HTTPException as exc:
        raise CliError(f"Discord refused: {exc.status} {exc.text or exc} (code {exc.code})") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise CliError(f"cannot reach Discord's API at {routing.api}: {type(exc).__name__}: {exc}") from None
    finally:
        await client.close()
        routing.restore()


def cmd_sync(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(args.verbose, "WARNING")
    _token(settings)

    async def sync(client: Any) -> list[str]:
        import discord

        done = []
        scopes = [discord.Object(g) for g in settings.discord_guild_ids] or [None]
        for guild in scopes:
            if args.clear:
                client.tree.clear_commands(guild=guild)
            elif guild is not None:
                # The tree holds /drill globally; a server gets a copy, which Discord shows at once.
                client.tree.copy_global_to(guild=guild)
            commands = await client.tree.sync(guild=guild)
            where = f"server {guild.id}" if guild is not None else "all servers (global; may take a while to appear)"
            names = ", ".join(sorted(f"/{c.name}" for c in commands)) or "no commands"
            done.append(f"{'cleared' if args.clear else 'synced'} {names} for {where}")
        return done

    for line in asyncio.run(_logged_in(settings, sync)):
        print(line)
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    settings = load_settings()
    app_id = settings.discord_application_id
    if not app_id:
        setup_logging(args.verbose, "WARNING")

        async def fetch(client: Any) -> str:
            return str(client.application_id)

        app_id = asyncio.run(_logged_in(settings, fetch))
    print(invite_url(app_id))
    return 0
