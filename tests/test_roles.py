"""`saga-drills run --role`: web serves without a scheduler, clock ticks and only sends, discord holds the gateway."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys

import pytest

from bot.cli import main
from bot.roles import RoleError, RolePlan, plan
from bot.scheduling.service import SchedulerService
from tests.fakes.recording_adapter import RecordingAdapter


def test_each_role_opens_its_platforms_and_runs_the_clock_or_not() -> None:
    both = ["slack", "discord"]
    assert plan("all", configured=both, asked=None) == RolePlan("all", ("slack", "discord"), serve=True, clock=True)
    assert plan("all", configured=[], asked=None).adapters == ("console",)
    assert plan("all", configured=both, asked=["discord"]).adapters == ("discord",)
    assert plan("web", configured=both, asked=None) == RolePlan("web", ("slack",), serve=True, clock=False)
    assert plan("discord", configured=both, asked=None) == RolePlan("discord", ("discord",), serve=True, clock=False)
    assert plan("clock", configured=both, asked=None) == RolePlan("clock", ("slack", "discord"), serve=False, clock=True)


@pytest.mark.parametrize(("role", "configured", "asked", "words"), [
    ("web", ["discord"], None, "SLACK_SIGNING_SECRET"),
    ("discord", ["slack"], None, "DISCORD_TOKEN"),
    ("clock", [], None, "set their tokens"),
    ("web", ["slack"], ["slack"], "leave out --adapter"),
])
def test_a_role_that_cannot_run_says_what_to_set(role: str, configured: list[str], asked, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RoleError, match=words):
        plan(role, configured=configured, asked=asked)


def test_run_with_a_role_it_cannot_take_is_one_line_exit_1(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--role", "web"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("saga-drills: --role web serves Slack's HTTP events") and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir()), "nothing was created"


@pytest.fixture
def interpreter_restored():  # type: ignore[no-untyped-def]
    """serve() tunes the interpreter for a long-running bot; put it back for the tests after this one."""
    before, thresholds = sys.getswitchinterval(), gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(before)


@pytest.mark.parametrize("role", [RolePlan("web", ("slack",), serve=True, clock=False),
                                  RolePlan("clock", ("slack",), serve=False, clock=True)])
async def test_serve_takes_events_or_ticks_as_its_role_says(app, monkeypatch, interpreter_restored, role: RolePlan) -> None:  # type: ignore[no-untyped-def]
    import adapters

    from bot.runtime import serve

    made: list[tuple[RecordingAdapter, dict]] = []
    listened: list[str] = []

    class Recorder(RecordingAdapter):
        async def listen(self) -> None:
            listened.append(self.name)
            await super().listen()

    def create(name, settings, bot, **options):  # type: ignore[no-untyped-def]
        made.append((adapter := Recorder(name), options))
        return adapter

    monkeypatch.setattr(adapters, "create_adapter", create)
    started: list[str] = []
    for service in app.services:
        original = service.start

        async def start(app_=None, *, _s=service, _o=original):  # type: ignore[no-untyped-def]
            started.append(type(_s).__name__)
            await _o(app_)
        monkeypatch.setattr(service, "start", start)

    async def stop_soon() -> None:
        await asyncio.sleep(0.3)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = asyncio.create_task(stop_soon())
    assert await serve(app, list(role.adapters), role=role) == 0
    await stopper
    [(_, options)] = made
    assert options.get("serve", True) is role.serve
    assert listened == (["slack"] if role.serve else [])
    assert ("SchedulerService" in started) is role.clock
    assert any(isinstance(s, SchedulerService) for s in app.services) is role.clock
