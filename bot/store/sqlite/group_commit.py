"""GroupCommit: writes that arrive while one transaction runs wait for the next, which takes them all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from bot.store import StoreBusy

log = logging.getLogger(__name__)

# Rows per batch for the single-statement writers: at most 11 bound variables a row (a delivery),
# so 500 rows stay far below SQLite's 32,766 variables a statement and PostgreSQL's 32,767.
MAX_ROWS = 500


class Queued(Protocol):
    """A queued write: its caller awaits `future`, which the batch that writes it resolves."""

    future: asyncio.Future[Any]


Q = TypeVar("Q", bound=Queued)


class GroupCommit(Generic[Q]):
    """One flusher task at a time takes up to `max_batch` queued writes per transaction (`_run`).

    Each caller still waits for its own batch's COMMIT, so an acknowledged write is a durable
    one; callers that arrive meanwhile share the next transaction instead of queueing one each
    behind the writer.
    """

    def __init__(self, *, task_name: str, max_batch: int = MAX_ROWS) -> None:
        self.max_batch = max_batch
        self.task_name = task_name
        self._pending: list[Q] = []
        self._flusher: asyncio.Task[None] | None = None

    def _enqueue(self, item: Q) -> None:
        """Queue `item` for the next batch; its future answers."""
        self._pending.append(item)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=self.task_name)

    async def _submit(self, item: Q) -> Any:
        self._enqueue(item)
        return await item.future

    async def drain(self) -> None:
        """Wait for every queued write (the store's close)."""
        if self._flusher:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            await self._run(batch)

    async def _run(self, batch: Sequence[Q]) -> None:
        """Write `batch` and resolve each item's future; never raises (a failure is its callers').

        By default `_write` gives one result per item. A batch refused for one row's sake (a
        foreign key, say) is written again a row at a time, so that only that caller hears of
        it; a busy file fails them all at once (a row at a time would only wait again).
        """
        batch = [item for item in batch if not item.future.done()]  # a cancelled caller wants nothing written
        if not batch:
            return
        try:
            results = await self._write(batch)
        except StoreBusy as exc:
            fail_all(batch, exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                fail_all(batch, exc)
                return
            log.info("a %s batch of %d was refused (%s); writing it a row at a time", self.task_name, len(batch), exc)
            for item in batch:
                try:
                    [result] = await self._write([item])
                except Exception as one:
                    fail_all([item], one)
                else:
                    resolve(item, result)
            return
        for item, result in zip(batch, results):
            resolve(item, result)

    async def _write(self, batch: Sequence[Q]) -> list[Any]:
        """One transaction for `batch`: each item's result, in order."""
        raise NotImplementedError


def resolve(item: Queued, result: Any) -> None:
    """`item`'s caller gets `result`, unless it stopped waiting."""
    if not item.future.done():
        item.future.set_result(result)


def fail_all(batch: Sequence[Queued], exc: Exception) -> None:
    """Every caller still waiting in `batch` gets `exc`."""
    for item in batch:
        if not item.future.done():
            item.future.set_exception(exc)
