"""CLI: `saga-drills discord sync-commands` and `invite-url`; it parses and prints, the adapter does the rest."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli import setup_logging
from bot.cli.common import load_settings


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


def cmd_sync(args: argparse.Namespace) -> int:
    from adapters.discord_adapter.setup import sync_commands, token

    settings = load_settings()
    setup_logging(args.verbose, "WARNING")
    token(settings)
    for line in asyncio.run(sync_commands(settings, clear=args.clear)):
        print(line)
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from adapters.discord_adapter.setup import application_id, invite_url

    settings = load_settings()
    app_id = settings.discord_application_id
    if not app_id:
        setup_logging(args.verbose, "WARNING")
        app_id = asyncio.run(application_id(settings))
    print(invite_url(app_id))
    return 0
