"""Turn Discord interactions into router calls and engine answers, and answer every one privately."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord_adapter.render import DiscordMessage, limit_problems, render_message
from adapters.discord_adapter.views import edit_kwargs
from adapters.discord_adapter.wire import defer_private, edit_body, edit_original
from bot.messages import FAILED, STALE_BUTTON, CommandContext, MemberRef, Notice, Reply

if TYPE_CHECKING:
    from bot.ports import Bot

log = logging.getLogger(__name__)

NO_SERVER = "I can't tell which server this button belongs to. Run `/drill` in your server instead."
FOREIGN_SERVER = ("Saga Drills is not set up for this server, so nothing was recorded. Ask the person who runs "
                  "the bot to add this server's id to DISCORD_GUILD_IDS.")
OUT_OF_DATE = ("This `/drill` command is out of date, so nothing was changed. A server admin can refresh it "
               "with `saga-drills discord sync-commands`.")


class InteractionHandler:
    """Slash commands and button clicks in, one ephemeral reply out. No business rule lives here."""

    def __init__(self, bot: Bot, *, lead_role: str | None = None, guild_ids: tuple[int, ...] = ()) -> None:
        self.bot = bot
        self.lead_role = (lead_role or "").strip() or None
        # DISCORD_GUILD_IDS scopes command sync; with it set, other servers are refused too (a public
        # bot can be invited anywhere, and their members' answers do not belong in this database).
        self.guild_ids = frozenset(guild_ids)

    def _foreign(self, interaction: discord.Interaction) -> bool:
        return bool(self.guild_ids) and interaction.guild_id is not None and interaction.guild_id not in self.guild_ids

    # -- who is asking ---------------------------------------------------------------------------
    def member_for(self, interaction: discord.Interaction, space: str) -> MemberRef:
        user = interaction.user
        return MemberRef(platform="discord", space=space, user_id=str(user.id),
                         display_name=getattr(user, "display_name", None) or user.name)

    def is_lead(self, interaction: discord.Interaction) -> bool:
        """Manage Server (or Administrator) in this channel, or the DISCORD_LEAD_ROLE role, per interaction.

        Both come with the interaction itself, so a change on the server counts at the next click.
        """
        if interaction.guild_id is None:
            return False
        perms = interaction.permissions
        if perms.manage_guild or perms.administrator:
            return True
        user = interaction.user
        if self.lead_role and isinstance(user, discord.Member):
            wanted = self.lead_role.lower()
            return any(role.name.lower() == wanted or str(role.id) == self.lead_role for role in user.roles)
        return False

    # -- entry points ----------------------------------------------------------------------------
    async def run_command(self, interaction: discord.Interaction, text: str, *, space: str | None = None) -> None:
        """`/drill <text>` from a slash command or an Action button (`space` rides on DM buttons)."""
        if self._foreign(interaction):
            return await self._refuse_foreign(interaction)
        if not await self._defer(interaction):
            return
        guild_space = str(interaction.guild_id) if interaction.guild_id else space
        if guild_space is None:
            reply: Reply = Notice(text=NO_SERVER, level="warning")
        else:
            ctx = CommandContext(member=self.member_for(interaction, guild_space),
                                 channel=str(interaction.channel_id) if interaction.channel_id else None,
                                 is_lead=self.is_lead(interaction))
            reply = await self.bot.command(ctx, text)  # the core's door turns a busy store or a failure into a notice
        await self._finish(interaction, reply, dm_space=None if interaction.guild_id else guild_space)

    async def answer(self, interaction: discord.Interaction, delivery_id: str, letter: str) -> None:
        """A click on an option button: the engine records it idempotently and says what to show."""
        if self._foreign(interaction):
            return await self._refuse_foreign(interaction)
        space: str | None = str(interaction.guild_id) if interaction.guild_id else None

        async def work() -> Reply:
            nonlocal space
            if space is None:
                # A review card in a DM: Discord does not say which server it is for; the delivery does.
                space = await self.bot.space_of(self.member_for(interaction, ""), delivery_id)
            return await self.bot.answer(self.member_for(interaction, space), delivery_id, letter)

        # The defer goes out first, and the answer is graded and recorded while it travels, as on
        # Slack (whose ack does not wait for the network either): awaited one after the other,
        # every click paid a REST round trip before its answer could even join a batch.
        # The grading runs in this task (one task per click fewer); the defer in its own, which
        # sends as soon as the grading first waits (for the store), long before the answer's COMMIT.
        acked = asyncio.ensure_future(self._defer(interaction))
        try:
            reply = await work()
        except BaseException:
            await asyncio.gather(acked, return_exceptions=True)
            raise
        if not await acked:
            # The answer still counts (recorded once, by its unique key); a second click shows its feedback.
            log.info("discord: the answer of unacknowledged interaction %s was graded all the same", interaction.id)
            return
        # Command buttons in the DM reply carry the server, when the delivery named one.
        await self._finish(interaction, reply,
                           dm_space=None if interaction.guild_id or not (space or "").isdigit() else space)

    async def _refuse_foreign(self, interaction: discord.Interaction) -> None:
        log.info("discord: refused an interaction from server %s (not in DISCORD_GUILD_IDS)", interaction.guild_id)
        await self._notice_now(interaction, Notice(text=FOREIGN_SERVER, level="warning"))

    async def stale(self, interaction: discord.Interaction, custom_id: str) -> None:
        log.info("discord: click on an unknown button %.100r; answered with a notice", custom_id)
        await self._notice_now(interaction, STALE_BUTTON)

    async def command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            log.warning("discord: %s; run `saga-drills discord sync-commands`", error)
            notice = Notice(text=OUT_OF_DATE, level="warning")
        else:
            log.warning("discord: /drill failed before it reached the bot: %s: %s", type(error).__name__, error)
            notice = Notice(text="I couldn't read that command, so nothing was changed. `/drill help` lists what works.",
                            level="warning")
        await self._notice_now(interaction, notice)

    # -- replying --------------------------------------------------------------------------------
    async def _defer(self, interaction: discord.Interaction) -> bool:
        """Acknowledge at once (Discord wants a first response within 3 s); the work follows."""
        try:
            await defer_private(interaction)
        except discord.NotFound:
            log.warning("discord: interaction %s expired before it was acknowledged; no reply follows", interaction.id)
            return False
        except discord.HTTPException as exc:
            log.warning("discord: could not acknowledge interaction %s (%s %s); no reply follows",
                        interaction.id, exc.status, exc.code)
            return False
        return True

    async def _finish(self, interaction: discord.Interaction, reply: Reply, *, dm_space: str | None) -> None:
        """Send `reply` as the edit of the deferred original (`dm_space` rides on DM buttons)."""
        message = render_message(reply, space=dm_space)
        try:
            problems = limit_problems(message.payload)
            if problems:
                raise ValueError("; ".join(problems))
            edit = self._edit(interaction, message)
        except ValueError as exc:  # a renderer bug must still end in a reply, never a failed interaction
            log.error("discord: a %s reply cannot be sent (%s); sent a notice instead", type(reply).__name__, exc)
            edit = self._edit(interaction, render_message(FAILED))
        try:
            await edit
        except discord.HTTPException as exc:
            log.error("discord: reply to interaction %s refused (%s %s: %.200s)", interaction.id, exc.status, exc.code, exc.text)

    @staticmethod
    def _edit(interaction: discord.Interaction, message: DiscordMessage) -> Awaitable[Any]:
        """The edit of the original with `message` (not yet awaited); ValueError for one that cannot be sent."""
        if message.files:
            return interaction.edit_original_response(**edit_kwargs(message))
        # Its JSON as is: no View and Embed objects per reply, and Discord's answer left unparsed (wire.py).
        return edit_original(interaction, edit_body(message, interaction._state.allowed_mentions))

    async def _notice_now(self, interaction: discord.Interaction, notice: Notice) -> None:
        """An immediate private notice (no slow work follows, so no defer)."""
        kwargs = edit_kwargs(render_message(notice))
        kwargs.pop("attachments", None)
        if kwargs.get("view") is None:
            kwargs.pop("view", None)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=True, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=True, **kwargs)
        except discord.HTTPException as exc:
            log.warning("discord: could not send a notice for interaction %s (%s %s)", interaction.id, exc.status, exc.code)
