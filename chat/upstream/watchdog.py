"""One timer per answer that notices an upstream which has gone quiet.

`asyncio.timeout` around each chunk arms and disarms a timer per chunk (about 6 µs, a twentieth
of a chunk's whole cost in the relay). Here a chunk only notes the time; the timer wakes at most
once per deadline, and re-arms itself for the wait in progress until one has lasted too long.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


class Stalled(Exception):
    """A wait for the next item lasted longer than the deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"nothing for {seconds:g} s")
        self.seconds = seconds


class StallWatchdog:
    """Bounds each wait for an iterator's next item by `deadline` seconds (which may change).

    Use as a context manager inside the task that waits, and fetch items with `next(items)`.
    """

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._waiting_since: float | None = None
        self._expired = False
        self._timer: asyncio.TimerHandle | None = None

    @property
    def deadline(self) -> float:
        return self._deadline

    @deadline.setter
    def deadline(self, seconds: float) -> None:
        self._deadline = seconds
        if self._timer is not None:
            # A timer armed for a longer deadline would notice a stall too late.
            self._timer.cancel()
            self._arm(self._loop.time())

    def __enter__(self) -> StallWatchdog:
        self._loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("StallWatchdog must be used inside a task")
        self._task = task
        self._arm(self._loop.time())
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def next(self, items: AsyncIterator[T]) -> T:
        """The next item; `Stalled` when it took longer than the deadline."""
        cancelling = self._task.cancelling()
        self._waiting_since = self._loop.time()
        try:
            return await anext(items)
        except asyncio.CancelledError:
            # Only a cancel of our own, with none from outside on top of it, becomes Stalled.
            if self._expired and self._task.uncancel() <= cancelling:
                self._expired = False
                raise Stalled(self.deadline) from None
            raise
        finally:
            self._waiting_since = None

    def _check(self) -> None:
        now = self._loop.time()
        since = self._waiting_since
        if since is not None and now - since >= self._deadline:
            self._timer = None
            self._expired = True
            self._task.cancel()
            return
        # Between waits the caller is busy with the last item: that time is not the upstream's.
        self._arm(now if since is None else since)

    def _arm(self, start: float) -> None:
        self._timer = self._loop.call_at(start + self._deadline, self._check)
