"""One pending check per document: a newer change cancels the check still waiting
(debounce) or running (its result is dropped), so only the latest text is shown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def schedule(self, key: str, delay: float, work: Callable[[], Awaitable[None]]) -> None:
        self.cancel(key)
        task = asyncio.ensure_future(self._after(delay, work))
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))

    async def _after(self, delay: float, work: Callable[[], Awaitable[None]]) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        await work()

    def _finished(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled() and task.exception() is not None:
            # A bug in the server's own code: logged, and the next change tries again.
            logger.error("checking %s failed", key, exc_info=task.exception())

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        for key in list(self._tasks):
            self.cancel(key)
