"""bot.ports.InFlight: a stop waits for the tracked tasks, those tracked while it waits included, within its timeout."""

from __future__ import annotations

import asyncio
import logging

from bot.ports import InFlight


async def test_settle_waits_for_tracked_tasks_and_for_those_tracked_meanwhile(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="bot.ports")
    tasks = InFlight("things in flight")
    first_go, second_go = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def first() -> None:
        tasks.track()
        await first_go.wait()
        second = asyncio.create_task(work("second", second_go))
        tasks.track(second)  # arrives while settle waits
        finished.append("first")

    async def work(name: str, go: asyncio.Event) -> None:
        await go.wait()
        finished.append(name)

    runner = asyncio.create_task(first())
    await asyncio.sleep(0)  # not a timing sleep: one turn lets `first` track itself
    settling = asyncio.create_task(tasks.settle(60))
    await asyncio.sleep(0)
    first_go.set()
    while not tasks.running() or runner in tasks.running():  # until `first` ended and `second` is tracked
        await asyncio.sleep(0)
    assert not settling.done()  # still waiting: the second arrived meanwhile
    second_go.set()
    assert await settling == 0
    assert finished == ["first", "second"] and not tasks.running()
    assert "waiting for 1 things in flight" in caplog.text


async def test_settle_reports_what_did_not_finish_and_leaves_out_the_caller() -> None:
    tasks = InFlight("things")
    never = asyncio.Event()
    stuck = asyncio.create_task(never.wait())
    tasks.track(stuck)
    tasks.track(stuck)  # twice is once
    tasks.track()  # the test's own task: settle does not wait for itself
    assert await tasks.settle(0) == 1
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    assert await tasks.settle(0) == 0
