"""A recording chat platform for scheduling tests: the Adapter port, every send remembered.

With `path`, each send also appends one JSON line to a file and fsyncs it before returning,
so a test can count what a killed process really sent.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.messages import DrillCard, Reply, Reveal
from bot.ports import SentRef, Target


@dataclass(frozen=True)
class Sent:
    target: Target
    reply: Reply
    ref: SentRef

    @property
    def kind(self) -> str:
        if isinstance(self.reply, Reveal):
            return "reveal"
        if isinstance(self.reply, DrillCard):
            return self.reply.delivery_kind
        return type(self.reply).__name__.lower()


class RecordingAdapter:
    """Implements bot.ports.Adapter. `fail(target, reply)` may return an exception to raise."""

    def __init__(self, name: str = "slack", *, path: Path | None = None, delay: float = 0.0,
                 fail: Callable[[Target, Reply], Exception | None] | None = None) -> None:
        self.name = name
        self.path = path
        self.delay = delay
        self.fail = fail
        self.sent: list[Sent] = []
        self.changed = asyncio.Condition()
        self._stop = asyncio.Event()

    async def connect(self) -> None:
        return None

    async def listen(self) -> None:
        await self._stop.wait()

    async def disconnect(self) -> None:
        self._stop.set()

    async def send(self, target: Target, reply: Reply) -> SentRef:
        if self.fail is not None and (exc := self.fail(target, reply)) is not None:
            raise exc
        if self.delay:
            await asyncio.sleep(self.delay)  # the platform's latency, so a kill can land mid-run
        ref = SentRef(platform=self.name, channel=target.channel or f"D{target.user_id}",
                      message_id=f"{os.getpid()}.{len(self.sent) + 1}")
        item = Sent(target=target, reply=reply, ref=ref)
        if self.path is not None:
            line = json.dumps({"kind": item.kind, "user": target.user_id, "channel": target.channel,
                               "thread": target.thread, "delivery": getattr(reply, "delivery_id", None),
                               "drill": getattr(reply, "drill_id", None), "ref": str(ref), "pid": os.getpid()})
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        self.sent.append(item)
        async with self.changed:
            self.changed.notify_all()
        return ref

    async def wait_for(self, kind: str, count: int = 1, *, timeout: float = 10.0) -> list[Sent]:
        """Wait (on a condition, not a sleep) until `count` messages of `kind` were sent."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.of_kind(kind)) >= count), timeout)
        return self.of_kind(kind)

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]
