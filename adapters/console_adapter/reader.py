"""The console's input: lines from stdin on a daemon thread, handed to the event loop one by one."""

from __future__ import annotations

import asyncio
import threading
from typing import IO


class StdinLines:
    """Reads `stream` line by line off the event loop; an empty string means end of input."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lines: asyncio.Queue[str] = asyncio.Queue()

    def start(self) -> None:
        # A daemon thread, not asyncio.to_thread: a blocked readline must not keep the
        # process alive after Ctrl-C or SIGTERM.
        loop = asyncio.get_running_loop()

        def pump() -> None:
            while True:
                line = self.stream.readline()
                try:
                    loop.call_soon_threadsafe(self._lines.put_nowait, line)
                except RuntimeError:  # the loop has closed: the bot is shutting down
                    return
                if not line:
                    return

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()

    async def next(self) -> str:
        return await self._lines.get()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())
