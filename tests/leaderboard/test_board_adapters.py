"""Boards and reports through the Slack and Discord render paths: within platform limits, picture attached."""

from __future__ import annotations

import json
import random

from bot.content.loader import builtin_pack, load_library
from bot.leaderboard.service import Leaderboards
from bot.leaderboard.scope import Scope
from bot.messages import Action, MemberRef
from bot.runtime import open_app
from tests.leaderboard.boardkit import Kit


async def _team_tables(settings, clock):  # type: ignore[no-untyped-def]
    """A 30-member team on the shipped drills, with long names: a worst case for message sizes."""
    app = await open_app(settings, clock=clock, library=load_library([builtin_pack()]))
    app.engine.rng = random.Random(2)
    rng = random.Random(4)
    kit = Kit(app)
    members = [MemberRef(platform="slack", space="T1", user_id=f"U{i}", display_name=f"{'Maximiliana ' * 3}{i}")
               for i in range(30)]
    try:
        for drill in app.library.active[:20]:
            card = await kit.deal(drill.id)
            for member in rng.sample(members, 12):
                await kit.answer(member, card, right=rng.random() < 0.5, trap=rng.randint(1, len(drill.options) - 1))
        boards = Leaderboards(app)
        board = await boards.board(Scope("slack", "T1"), "all", viewer=members[-1].key,
                                   actions=(Action(label="Post to channel", command="leaderboard post all"),))
        report = await boards.report("slack", "T1", "all")
        return board, report
    finally:
        await app.close()


async def test_slack_payloads_fit(settings, clock) -> None:  # type: ignore[no-untyped-def]
    from adapters.slack_adapter.render import render_payload

    for table in await _team_tables(settings, clock):
        payload = render_payload(table)
        blocks = payload["blocks"]
        assert len(blocks) <= 50
        for block in blocks:
            text = block.get("text", {}).get("text", "") if isinstance(block.get("text"), dict) else ""
            assert len(text) <= 3000
        assert table.title in json.dumps(payload, ensure_ascii=False)


async def test_discord_messages_fit_and_attach_the_png(settings, clock) -> None:  # type: ignore[no-untyped-def]
    from adapters.discord_adapter.render import render_message

    board, report = await _team_tables(settings, clock)
    for table, filename in ((board, "leaderboard.png"), (report, "blind-spots.png")):
        message = render_message(table, space="G1")
        payload = message.payload
        assert len(payload.get("content", "")) <= 2000
        embeds = payload.get("embeds", [])
        assert len(embeds) <= 10 and sum(len(json.dumps(e)) for e in embeds) < 7000
        assert [f.filename for f in message.files] == [filename]
        assert message.files[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Post to channel" in json.dumps(render_message(board, space="G1").payload)
