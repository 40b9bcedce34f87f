"""The floor for benchmarks/slack_path.py: a no-op Bolt app in HTTP mode that answers like the bot, doing nothing else.

`/drill` and an answer click each get what the bot sends: an empty ack, then one ephemeral
message through the response_url. The blocks are fixed and about the size of the bot's card and
feedback, so the JSON and HTTP work match and the difference is the bot's own work.
Configured like the bot: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_HTTP_PORT, SLACK_API_URL.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# Sized to the bot's median card and feedback as the benchmark prints them ("sizes (median)").
CARD = [_section("*Middle · ~3 min*\n*Checkout: the charge handler*"),
        _section("```" + "x = charge(order)\n" * 60 + "```"), _section("*What fails?*\n*A.* one\n*B.* two"),
        {"type": "actions", "block_id": "answers", "elements": [
            {"type": "button", "action_id": f"answer:{letter}", "value": f"floor:{letter}",
             "text": {"type": "plain_text", "text": letter}} for letter in "ABCD"]}]
FEEDBACK = [_section(":x: *Not this time* — Checkout: the charge handler"),
            _section("> why the option is wrong, and the fix.\n" * 52)]


def app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=False)

    @bolt.command(re.compile(r"^/"))
    async def command(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="drill", blocks=CARD, response_type="ephemeral", replace_original=False)

    @bolt.action(re.compile(r"^answer:[A-Z]$"))
    async def answer(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="feedback", blocks=FEEDBACK, response_type="ephemeral", replace_original=False)

    return bolt


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    app().start(port=int(os.environ["SLACK_HTTP_PORT"]), path="/slack/events", host="127.0.0.1")
