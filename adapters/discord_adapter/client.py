"""The discord.py client: the `/drill` command group, persistent buttons, and REST/gateway routing."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
import yarl
from discord import app_commands

from adapters.discord_adapter.render import is_known_custom_id
from adapters.discord_adapter.views import ButtonHandler, click_route, handler_of
from bot.ports import InFlight

log = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


class InteractionPort(ButtonHandler, Protocol):
    """Buttons' two verbs plus what the client itself routes: stale buttons and command-tree errors."""

    async def stale(self, interaction: discord.Interaction, custom_id: str) -> None: ...

    async def command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None: ...


def _handler(interaction: discord.Interaction) -> InteractionPort:
    handler: InteractionPort = handler_of(interaction)
    return handler


async def _run(interaction: discord.Interaction, *words: str) -> None:
    if isinstance(interaction.client, DrillClient):
        interaction.client.track()
    text = " ".join(w.strip() for w in words if w and w.strip())
    await _handler(interaction).run_command(interaction, text)


class DrillCommands(app_commands.Group):
    """`/drill <subcommand>`: every subcommand becomes router text; the router decides the rest."""

    def __init__(self) -> None:
        # Slash commands only make sense in a server: members, leads and boards belong to one.
        super().__init__(name="drill", description="Saga Drills: a daily code-reading drill about sagas", guild_only=True,
                         allowed_contexts=app_commands.AppCommandContext(guild=True),
                         allowed_installs=app_commands.AppInstallationType(guild=True))

    @app_commands.command(name="next", description="A drill now (your due reviews come first)")
    async def next_(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "next")

    @app_commands.command(name="stats", description="Your altitude, streak and reviews due")
    async def stats(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "stats")

    @app_commands.command(name="leaderboard", description="The team's board")
    @app_commands.describe(period="week, month, season or all (default: the board's own default)")
    async def leaderboard(self, interaction: discord.Interaction, period: str = "") -> None:
        await _run(interaction, "leaderboard", period)

    @app_commands.command(name="season", description="Leaderboard seasons: list (all), start NAME or end (leads)")
    @app_commands.describe(args="e.g. `list`, `start \"Q1 2026\"`, `end`")
    async def season(self, interaction: discord.Interaction, args: str = "list") -> None:
        await _run(interaction, "season", args)

    @app_commands.command(name="report", description="The team's blind spots per topic and trap (leads)")
    @app_commands.describe(period="week, month, season or all (default: all)")
    async def report(self, interaction: discord.Interaction, period: str = "") -> None:
        await _run(interaction, "report", period)

    @app_commands.command(name="schedule", description="The channel's daily drill schedule (leads set it)")
    @app_commands.describe(args="e.g. `show`, `set 09:30 Europe/Berlin mon-fri`, `board mon`, `off`")
    async def schedule(self, interaction: discord.Interaction, args: str = "") -> None:
        await _run(interaction, "schedule", args)

    @app_commands.command(name="pause", description="No review DMs for a while (vacation)")
    @app_commands.describe(days="how many days to pause")
    async def pause(self, interaction: discord.Interaction, days: int) -> None:
        await _run(interaction, "pause", str(days))

    @app_commands.command(name="resume", description="Review DMs again")
    async def resume(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "resume")

    @app_commands.command(name="optout", description="Hide yourself from leaderboards")
    async def optout(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "optout")

    @app_commands.command(name="optin", description="Show yourself on leaderboards again")
    async def optin(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "optin")

    @app_commands.command(name="forget-me", description="Delete your data (asks you to confirm)")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "forget-me")

    @app_commands.command(name="help", description="What /drill can do")
    async def help(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "help")

    @app_commands.command(name="do", description="Any /drill command as text, e.g. `season start Q1` or `report`")
    @app_commands.describe(words="the words after /drill")
    async def do(self, interaction: discord.Interaction, words: str) -> None:
        words = words.strip()
        for prefix in ("/drill ", "drill "):  # people paste the whole command
            if words.lower().startswith(prefix):
                words = words[len(prefix):]
        await _run(interaction, words)


class DrillCommandTree(app_commands.CommandTree):
    """A tree whose errors (stale command, bad option) become a private notice, not a failed interaction."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await _handler(interaction).command_error(interaction, error)


class DrillClient(discord.Client):
    """discord.py client for Saga Drills. Only the GUILDS intent: no privileged intents are needed."""

    def __init__(self, handler: InteractionPort | None, **options: Any) -> None:
        # The bot has no voice features, so discord.py's "PyNaCl is not installed" warnings are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options.setdefault("intents", discord.Intents(guilds=True))
        # Drill text may quote "@everyone" inside code; nothing the bot posts may ping anyone.
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.handler = handler
        self.tree = DrillCommandTree(self)
        # Registered globally in the tree so an interaction resolves whether Discord has the commands
        # per server (DISCORD_GUILD_IDS, copied at sync) or globally; the tree falls back to global.
        self.tree.add_command(DrillCommands())
        self._guard_interaction_parser()
        # Interactions being handled: Discord never sends one again, so a stop waits for them.
        self.in_flight = InFlight("Discord interaction(s) in flight")

    def track(self) -> None:
        """Count the interaction this task handles as in flight until the task ends."""
        self.in_flight.track()

    async def settle(self, timeout: float) -> int:
        """Wait up to `timeout` s for interactions in flight, those arriving meanwhile included
        (the gateway is still open, and an unanswered one fails for the member); returns how many
        did not finish."""
        return await self.in_flight.settle(timeout)

    def _guard_interaction_parser(self) -> None:
        # discord.py lets an exception from a gateway parser end the whole connection loop, so one
        # malformed INTERACTION_CREATE would take the bot offline. Drop and log such a frame instead.
        parsers = self._connection.parsers
        original = parsers["INTERACTION_CREATE"]

        def guarded(data: Any) -> None:
            try:
                original(_slim_click(data))
            except Exception as exc:  # noqa: BLE001 - any malformed frame, by design
                log.warning("dropped a malformed INTERACTION_CREATE (%s: %.200s); nothing was recorded",
                            type(exc).__name__, exc)

        parsers["INTERACTION_CREATE"] = guarded

    async def on_ready(self) -> None:
        log.info("discord: ready as %s (id %s) in %d server(s)", self.user, self.application_id, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component or self.handler is None:
            return
        self.track()
        custom_id = str((interaction.data or {}).get("custom_id") or "")
        # Every click is routed here, by its custom_id alone (it carries all the state), so a
        # button outlives restarts. Not through discord.py's DynamicItems: per click they rebuilt
        # the clicked message as a View and the button as an item, in a task of their own, only
        # to call the same handler.
        route = click_route(custom_id) if _on_message(interaction, custom_id) else None
        if route is not None:
            return await route(self.handler, interaction)
        # A custom_id nothing matches would otherwise leave the member with "This interaction
        # failed". Answer it privately instead.
        await self.handler.stale(interaction, custom_id)


# What of a clicked message the bot reads: which buttons it carries (_on_message), and what
# discord.py needs to place it. The rest (the card's text, embeds, attachments, author) it never reads.
_CLICKED_KEYS = ("id", "channel_id", "type", "flags", "components")


def _slim_click(data: Any) -> Any:
    """A click on one of the bot's buttons with its message cut to the keys the bot reads.

    discord.py builds a Message of the clicked message for every click, embeds and author
    included: per click, the largest piece of the interaction parse. Anything else (a command,
    another app's button, a frame without a message) is passed on untouched.
    """
    if not isinstance(data, dict) or data.get("type") != 3:
        return data
    message = data.get("message")
    custom_id = (data.get("data") or {}).get("custom_id")
    if not isinstance(message, dict) or not isinstance(custom_id, str) or not is_known_custom_id(custom_id):
        return data
    slim = {k: message[k] for k in _CLICKED_KEYS if k in message}
    slim["content"] = ""
    return {**data, "message": slim}


def _on_message(interaction: discord.Interaction, custom_id: str) -> bool:
    """Only a button the clicked message really carries counts (as discord.py's own dispatch checks)."""
    message = interaction.message
    if message is None:
        return False
    return any(getattr(child, "custom_id", None) == custom_id
               for row in message.components for child in getattr(row, "children", ()))


def api_base(url: str | None) -> str:
    """DISCORD_API_BASE_URL as discord.py's Route.BASE: `http://proxy:8080` → `http://proxy:8080/api/v10`."""
    if not url:
        return DISCORD_API
    parsed = yarl.URL(url.rstrip("/"))
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"DISCORD_API_BASE_URL must be an http(s) URL, got {url!r}")
    path = parsed.path.rstrip("/")
    if path.endswith("/api"):
        path += "/v10"
    elif not path:
        path = "/api/v10"
    return str(parsed.with_path(path))


def gateway_base(url: str | None) -> yarl.URL:
    if not url:
        return yarl.URL(DISCORD_GATEWAY)
    parsed = yarl.URL(url)
    if parsed.scheme not in ("ws", "wss") or not parsed.host:
        raise ValueError(f"DISCORD_GATEWAY_URL must be a ws(s) URL, got {url!r}")
    return parsed


class DiscordRouting:
    """Points discord.py at a REST/gateway proxy (DISCORD_API_BASE_URL, DISCORD_GATEWAY_URL).

    discord.py reads both from class attributes: `discord.http.Route.BASE` (REST, and the webhook
    routes that carry interaction responses) and `DiscordWebSocket.DEFAULT_GATEWAY` (it connects
    there directly, without GET /gateway/bot). They are process-wide, so `apply()` sets them for
    the adapter's lifetime and `restore()` puts back what was there. With no settings the values
    are Discord's own. A gateway proxy must also rewrite READY's `resume_gateway_url`, where
    discord.py resumes after a drop.
    """

    def __init__(self, api_base_url: str | None = None, gateway_url: str | None = None) -> None:
        self.api = api_base(api_base_url)
        self.gateway = gateway_base(gateway_url)
        self._saved: tuple[str, yarl.URL] | None = None

    def apply(self) -> None:
        if self._saved is None:
            self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api  # type: ignore[misc]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self.gateway  # type: ignore[misc]
        if self.api != DISCORD_API or str(self.gateway) != DISCORD_GATEWAY:
            log.info("discord: REST via %s, gateway via %s", self.api, self.gateway)

    def restore(self) -> None:
        if self._saved is None:
            return
        # Only undo our own change: another adapter may have routed since.
        if discord.http.Route.BASE == self.api:
            discord.http.Route.BASE = self._saved[0]  # type: ignore[misc]
        if discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == self.gateway:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved[1]  # type: ignore[misc]
        self._saved = None
