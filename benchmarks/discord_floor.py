"""The floor for benchmarks/discord_path.py: a no-op discord.py client that answers like the bot, doing nothing else.

Every interaction gets what the bot sends: a private defer (one callback), then one edit of the
original with content and a row of buttons. The texts are fixed and about the size of the bot's
card and feedback, so the JSON and HTTP work match and the difference is the bot's own work.
Configured like the bot: DISCORD_TOKEN, DISCORD_API_BASE_URL, DISCORD_GATEWAY_URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord

from adapters.discord_adapter.client import DiscordRouting

log = logging.getLogger(__name__)

# Sized to the bot's median card and feedback as the benchmark prints them ("sizes (median)"): a
# click carries its card, so a smaller card here would spare the floor JSON and zlib work per click.
CARD = "**Middle · ~3 min**\n## Checkout: the charge handler\n```python\n" + "x = charge(order)\n" * 91 + "```\n**What fails?**"
FEEDBACK = "❌ **Not this time** — Checkout: the charge handler\n" + "> why the option is wrong, and the fix.\n" * 41


class FloorView(discord.ui.View):
    """Buttons only as components: nothing listens to them, so discord.py need not track the message."""

    def is_dispatchable(self) -> bool:
        return False


def _view(labels: str, prefix: str) -> FloorView:
    view = FloorView(timeout=None)
    for letter in labels:
        view.add_item(discord.ui.Button(label=letter, custom_id=f"{prefix}{letter}"))
    return view


class FloorClient(discord.Client):
    """Defers every interaction privately and edits the original once: the bot's REST calls, none of its work."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none())
        # Built once: a floor spends nothing per interaction that it need not.
        self.card_view = _view("ABCD", "sd:a:floor:")
        self.next_view = _view("N", "sd:c:next")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.type is discord.InteractionType.application_command:
            await interaction.edit_original_response(content=CARD, view=self.card_view)
        else:
            await interaction.edit_original_response(content=FEEDBACK, view=self.next_view)


async def serve() -> None:
    routing = DiscordRouting(os.environ["DISCORD_API_BASE_URL"], os.environ["DISCORD_GATEWAY_URL"])
    routing.apply()
    client = FloorClient()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())
