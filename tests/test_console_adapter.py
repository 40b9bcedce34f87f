"""The console adapter in process: it enters the core by the same door, so a busy database is a notice, not a crash."""

from __future__ import annotations

import io

from adapters.console_adapter import ConsoleAdapter
from bot.messages import BUSY, FAILED
from bot.store import StoreBusy


async def test_a_busy_database_is_the_same_notice_as_on_slack_and_discord(app):
    out = io.StringIO()
    console = ConsoleAdapter(app.settings, app.router, member="alice", stdin=io.StringIO(""), stdout=out)
    await console.handle_line("next")
    assert console.current is not None, "a drill was dealt"

    async def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreBusy("database is locked")

    app.engine.answer = busy  # type: ignore[method-assign]
    assert await console.handle_line("a") is True, "the session goes on"
    assert " ".join(BUSY.text.split()) in " ".join(out.getvalue().split())
    assert [row async for row in app.store.export_answers()] == []


async def test_an_unexpected_failure_is_a_notice_and_the_session_goes_on(app):
    out = io.StringIO()
    console = ConsoleAdapter(app.settings, app.router, member="alice", stdin=io.StringIO(""), stdout=out)

    async def broken(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("feature bug")

    app.router.register("broken", broken, usage="broken", summary="raises")
    assert await console.handle_line("broken") is True
    text = " ".join(out.getvalue().split())
    assert " ".join(FAILED.text.split()) in text and "feature bug" not in text
