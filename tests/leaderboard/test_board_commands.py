"""`/drill` words through app.router.handle: lead checks, the private board, its Post button, posting."""

from __future__ import annotations

import asyncio
import re

from bot.commands import CommandContext
from bot.leaderboard.service import weekly_board
from bot.messages import Notice, Reply, Table
from bot.ports import SendFailed, SentRef, Target
from tests.leaderboard.boardkit import ANA, BO, Kit

MEMBER = CommandContext(member=BO, channel="C1")
LEAD = CommandContext(member=ANA, channel="C1", is_lead=True)


class RecordingAdapter:
    """The Adapter port as the runtime holds it; records what a post would send."""

    name = "slack"

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[tuple[Target, Reply]] = []
        self.fail = fail

    async def send(self, target: Target, reply: Reply) -> SentRef:
        if self.fail:
            raise SendFailed("not_in_channel: invite the bot to the channel first", permanent=True)
        self.sent.append((target, reply))
        return SentRef(platform="slack", channel=target.channel or "", message_id="1.0")


async def test_non_leads_are_refused_season_start_end_and_report(app) -> None:  # type: ignore[no-untyped-def]
    for command in ('season start "Q1"', "season end", "report", "leaderboard post week"):
        reply = await app.router.handle(MEMBER, command)
        assert isinstance(reply, Notice) and reply.level == "warning" and reply.text.startswith("Only leads"), command
    listing = await app.router.handle(MEMBER, "season list")
    assert isinstance(listing, Table) and listing.rows == ()


async def test_a_lead_listed_in_settings_passes_the_check(app) -> None:  # type: ignore[no-untyped-def]
    app.router.leads = frozenset({BO.user_id})
    reply = await app.router.handle(MEMBER, 'season start "Q1"')
    assert reply.level == "info" and "has started" in reply.text


async def test_members_see_the_board_privately_leads_get_a_post_button(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "junior-1")
    mine = await app.router.handle(MEMBER, "leaderboard")
    assert isinstance(mine, Table) and mine.actions == () and mine.title.startswith("Leaderboard · This week")
    assert mine.rows[0][1] == "bo (you)" and mine.image is not None
    lead = await app.router.handle(LEAD, "leaderboard month here")
    [action] = lead.actions
    assert action.label == "Post to channel" and re.fullmatch(r"leaderboard post:[A-Za-z0-9_-]{8} month here", action.command)
    assert "You have no counted answers" in lead.footer


async def test_the_post_button_posts_for_leads_only(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "junior-1")
    adapter = RecordingAdapter()
    app.adapters["slack"] = adapter
    refused = await app.router.handle(MEMBER, "leaderboard post week")
    assert refused.text.startswith("Only leads") and adapter.sent == []
    done = await app.router.handle(LEAD, "leaderboard post week")
    assert isinstance(done, Notice) and done.level == "info" and done.text.startswith("Posted the leaderboard")
    [(target, posted)] = adapter.sent
    assert target == Target(platform="slack", space="T1", channel="C1")
    assert isinstance(posted, Table) and posted.actions == () and "(you)" not in str(posted.rows)
    assert "You:" not in posted.footer and posted.image is not None


async def test_a_failed_post_is_a_clear_notice(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "junior-1")
    app.adapters["slack"] = RecordingAdapter(fail=True)
    reply = await app.router.handle(LEAD, "leaderboard post all")
    assert reply.level == "error" and "invite the bot" in reply.text
    app.adapters.clear()
    reply = await app.router.handle(LEAD, "leaderboard post all")
    assert reply.level == "warning" and "Posting needs a channel" in reply.text


async def test_bad_words_get_usage(app) -> None:  # type: ignore[no-untyped-def]
    for command, expected in (("leaderboard fortnight", "fortnight"), ("leaderboard week extra", "Usage"),
                              ("season rename", "Usage"), ("season start", "Name the season")):
        reply = await app.router.handle(LEAD, command)
        assert isinstance(reply, Notice) and reply.level == "warning" and expected in reply.text, command
    help_text = (await app.router.handle(MEMBER, "help")).text
    assert "/drill leaderboard [week|" in help_text and "/drill report" in help_text


async def test_weekly_board_shows_last_week_early_in_the_week(app, kit: Kit, clock) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "junior-1")                          # Monday 2 Mar
    clock.advance(days=7)                                          # Monday 9 Mar: post last week's final board
    table = await weekly_board(app, "slack", "T1")
    assert table.title.startswith("Leaderboard · Last week · Mon 2 Mar") and table.rows[0][1] == "bo"
    clock.advance(days=4)                                          # Friday 13 Mar: this week so far
    table = await weekly_board(app, "slack", "T1", channel="C1")
    assert table.title.startswith("Leaderboard · This week") and table.rows == () and table.actions == ()


async def test_the_catch_up_service_folds_answers_at_start(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    from bot.leaderboard.chat import BoardCatchUp

    await kit.drill_once(BO, "junior-1")
    await kit.drill_once(ANA, "junior-2")
    [service] = [s for s in app.services if isinstance(s, BoardCatchUp)]
    assert await app.boards.pending() == 2  # through the store: the same test runs on PostgreSQL
    await service.start(app)
    await service._task
    assert await app.boards.pending() == 0
    await service.stop()


async def test_a_double_click_on_post_to_channel_posts_once(app, kit: Kit) -> None:  # type: ignore[no-untyped-def]
    await kit.drill_once(BO, "junior-1")
    adapter = RecordingAdapter()
    app.adapters["slack"] = adapter
    [button] = (await app.router.handle(LEAD, "leaderboard week")).actions
    first, second = await asyncio.gather(app.router.handle(LEAD, button.command), app.router.handle(LEAD, button.command))
    assert len(adapter.sent) == 1
    assert sorted(r.text.split(" ")[0] for r in (first, second)) == ["Posted", "This"]  # one posts, one is told
    [again] = (await app.router.handle(LEAD, "leaderboard week")).actions  # a new button posts again
    assert (await app.router.handle(LEAD, again.command)).text.startswith("Posted") and len(adapter.sent) == 2
