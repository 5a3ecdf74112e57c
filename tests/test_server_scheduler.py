"""The server's scheduler on a real event loop: a change after a quiet spell is
checked at once, a burst waits out the debounce and only its latest change is
checked, a closed document's next change is not part of a burst."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pygls", reason="the server's tests need the test extra (pygls)")

from policy_check.server.scheduler import Scheduler  # noqa: E402

pytestmark = pytest.mark.asyncio

DEBOUNCE = 0.2


class Checks:
    """Which versions started checking, and when (event loop time)."""

    def __init__(self) -> None:
        self.started: list[tuple[int, float]] = []

    def of(self, version: int):  # type: ignore[no-untyped-def]
        async def check() -> None:
            self.started.append((version, asyncio.get_running_loop().time()))

        return check


async def _settle() -> None:
    await asyncio.sleep(DEBOUNCE * 2)


async def test_a_change_after_a_quiet_spell_is_checked_at_once() -> None:
    scheduler, checks = Scheduler(), Checks()
    loop = asyncio.get_running_loop()
    sent = loop.time()
    scheduler.changed("a.py", DEBOUNCE, checks.of(1))
    await _settle()
    assert [version for version, _ in checks.started] == [1]
    assert checks.started[0][1] - sent < DEBOUNCE / 2


async def test_a_burst_is_checked_at_its_first_and_its_last_change() -> None:
    scheduler, checks = Scheduler(), Checks()
    loop = asyncio.get_running_loop()
    scheduler.changed("a.py", DEBOUNCE, checks.of(1))
    await asyncio.sleep(0)  # the first change's check starts
    for version in (2, 3, 4):
        scheduler.changed("a.py", DEBOUNCE, checks.of(version))
    last = loop.time()
    await _settle()
    assert [version for version, _ in checks.started] == [1, 4]
    assert checks.started[1][1] - last >= DEBOUNCE * 0.9


async def test_documents_are_scheduled_apart_and_a_closed_one_starts_afresh() -> None:
    scheduler, checks = Scheduler(), Checks()
    scheduler.changed("a.py", DEBOUNCE, checks.of(1))
    scheduler.changed("b.py", DEBOUNCE, checks.of(2))  # another document: no burst
    scheduler.forget("a.py")  # closed before its check started: nothing runs for it
    scheduler.changed("a.py", DEBOUNCE, checks.of(3))  # reopened and changed: at once
    await asyncio.sleep(DEBOUNCE / 2)
    assert sorted(version for version, _ in checks.started) == [2, 3]
