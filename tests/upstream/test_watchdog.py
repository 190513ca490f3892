import asyncio
from collections.abc import AsyncIterator

import pytest

from chat.upstream.watchdog import Stalled, StallWatchdog

SHORT = 0.05


async def items_until(released: asyncio.Event, *items: str) -> AsyncIterator[str]:
    """Yields `items` at once, then waits until `released` is set before it ends."""
    for item in items:
        yield item
    await released.wait()


async def test_items_that_come_in_time_pass_through():
    released = asyncio.Event()
    released.set()
    items = items_until(released, "a", "b", "c")
    with StallWatchdog(SHORT) as watchdog:
        got = [await watchdog.next(items) for _ in range(3)]
        with pytest.raises(StopAsyncIteration):
            await watchdog.next(items)

    assert got == ["a", "b", "c"]


async def test_a_wait_longer_than_the_deadline_is_a_stall():
    items = items_until(asyncio.Event(), "a")
    async with asyncio.timeout(5):
        with StallWatchdog(SHORT) as watchdog:
            assert await watchdog.next(items) == "a"
            with pytest.raises(Stalled) as stall:
                await watchdog.next(items)

    assert stall.value.seconds == SHORT
    assert asyncio.current_task().cancelling() == 0


async def test_time_the_caller_spends_between_items_is_not_a_stall():
    released = asyncio.Event()
    items = items_until(released, "a", "b")
    with StallWatchdog(SHORT) as watchdog:
        assert await watchdog.next(items) == "a"
        await asyncio.sleep(SHORT * 4)  # the caller busy with "a", well past the deadline
        assert await watchdog.next(items) == "b"
        released.set()
        with pytest.raises(StopAsyncIteration):
            await watchdog.next(items)


async def test_a_shorter_deadline_applies_to_the_wait_in_progress():
    items = items_until(asyncio.Event())

    async def shorten_soon(watchdog: StallWatchdog) -> None:
        watchdog.deadline = SHORT

    async with asyncio.timeout(5):
        with StallWatchdog(3600) as watchdog:
            shortening = asyncio.create_task(shorten_soon(watchdog))
            with pytest.raises(Stalled):
                await watchdog.next(items)
            await shortening


async def test_a_cancel_from_outside_stays_a_cancel():
    waiting = asyncio.Event()

    async def silent() -> AsyncIterator[str]:
        waiting.set()
        await asyncio.Event().wait()
        yield "never"

    async def wait_for_item() -> None:
        with StallWatchdog(3600) as watchdog:
            await watchdog.next(silent())

    task = asyncio.create_task(wait_for_item())
    await waiting.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
