"""One pending check per document: a newer change cancels the check still waiting
(debounce) or running (its result is dropped), so only the latest text is shown.

The debounce is on the trailing edge of a burst only: a change that comes after a
quiet spell (none in the last ``debounce`` seconds) is checked at once, so a single
edit waits for no timer; a change hard on the heels of another waits ``debounce``
seconds, and each newer one starts the wait again, so a burst of typing costs the
check of its first change (started before the burst was known) and of its last."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Document → when (event loop time) its last change arrived.
        self._changed: dict[str, float] = {}

    def schedule(self, key: str, delay: float, work: Callable[[], Awaitable[None]]) -> None:
        self.cancel(key)
        task = asyncio.ensure_future(self._after(delay, work))
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))

    def changed(self, key: str, debounce: float, work: Callable[[], Awaitable[None]]) -> None:
        """A change of ``key``: ``work`` at once after a quiet spell, else after ``debounce``."""
        now = asyncio.get_running_loop().time()
        previous = self._changed.get(key)
        self._changed[key] = now
        in_burst = previous is not None and now - previous < debounce
        self.schedule(key, debounce if in_burst else 0.0, work)

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

    def forget(self, key: str) -> None:
        """A closed document: nothing pending, and its next change is not a burst's."""
        self.cancel(key)
        self._changed.pop(key, None)

    def cancel_all(self) -> None:
        for key in list(self._tasks):
            self.cancel(key)
