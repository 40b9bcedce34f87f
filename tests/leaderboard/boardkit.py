"""Helpers for leaderboard tests: a small pack with distinct topics, answering through the engine, reading boards."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.models import Drill
from bot.leaderboard.service import Leaderboards
from bot.leaderboard.scope import Scope
from bot.messages import DrillCard, Feedback, MemberRef, Table
from bot.app import App
from tests.drillgen import VOCAB, drill_dict

PLATFORM, SPACE = "slack", "T1"
ANA = MemberRef(platform=PLATFORM, space=SPACE, user_id="U-ANA", display_name="ana")
BO = MemberRef(platform=PLATFORM, space=SPACE, user_id="U-BO", display_name="bo")
CY = MemberRef(platform=PLATFORM, space=SPACE, user_id="U-CY", display_name="cy")
TOPICS = {"junior": ["compensation", "sagas"], "middle": ["idempotency", "sagas"], "senior": ["isolation"]}


def write_board_pack(folder: Path) -> None:
    """junior-1..3, middle-1..2, senior-1..2; each tier its own topic, 'sagas' shared by junior and middle."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "misconceptions.yaml").write_text(yaml.safe_dump(VOCAB))
    for tier, count in (("junior", 3), ("middle", 2), ("senior", 2)):
        for i in range(count):
            data = drill_dict(f"{tier}-{i + 1}", tier)
            data["topics"] = TOPICS[tier]
            (folder / f"{tier}-{i + 1}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


class Kit:
    """Deals and answers through the real engine, then reads boards like a member would."""

    def __init__(self, app: App) -> None:
        self.app = app

    def drill(self, drill_id: str) -> Drill:
        return self.app.library.drills[drill_id]

    async def deal(self, drill_id: str, *, kind: str = "channel", member: MemberRef | None = None,
                   channel: str | None = "C1") -> DrillCard:
        owner = None
        if member is not None and kind != "channel":  # a personal delivery names an existing member
            owner = (await self.app.store.ensure_member(member, now=self.app.engine.clock.now())).id
        return await self.app.engine.deal(self.drill(drill_id), kind=kind, platform=PLATFORM, space=SPACE,
                                          member_id=owner, channel=channel if kind == "channel" else None)

    async def answer(self, member: MemberRef, card: DrillCard, *, right: bool = True, trap: int = 1) -> Feedback:
        drill = self.drill(card.drill_id)
        wrong = [o.text for o in drill.options if not o.best]
        wanted = drill.options[drill.best_index].text if right else wrong[trap - 1]   # trap n: the n-th wrong option
        letter = next(o.letter for o in card.options if o.text == wanted)
        reply = await self.app.engine.answer(member, card.delivery_id, letter)
        assert isinstance(reply, Feedback), reply
        return reply

    async def drill_once(self, member: MemberRef, drill_id: str, *, right: bool = True, kind: str = "channel",
                         trap: int = 1, channel: str | None = "C1") -> Feedback:
        card = await self.deal(drill_id, kind=kind, member=member, channel=channel)
        return await self.answer(member, card, right=right, trap=trap)

    async def board(self, period: str = "all", *, channel: str | None = None, viewer: MemberRef | None = None,
                    image: bool = False, **kw) -> Table:  # type: ignore[no-untyped-def]
        return await Leaderboards(self.app).board(Scope(PLATFORM, SPACE, channel), period,
                                                  viewer=viewer.key if viewer else None, image=image, **kw)

    async def rows(self, period: str = "all", **kw) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
        """Board rows by member name: {"ana": {"#": "1", "score": "6", ...}}."""
        table = await self.board(period, **kw)
        out = {}
        for row in table.rows:
            cells = dict(zip(table.columns, row))
            if cells["#"] != "…":
                out[cells["member"].removesuffix(" (you)")] = cells
        return out

    async def report(self, period: str = "all", **kw) -> Table:  # type: ignore[no-untyped-def]
        return await Leaderboards(self.app).report(PLATFORM, SPACE, period, image=False, **kw)


def report_rows(table: Table) -> dict[str, dict[str, str]]:
    return {row[0]: dict(zip(table.columns, row)) for row in table.rows}
