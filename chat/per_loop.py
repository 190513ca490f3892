"""One object per event loop, made on first use there.

Asyncio's locks, events and tasks belong to the loop they were made in. A server has one loop,
but a test run goes through many, and an object made in a loop that has closed must not serve
the next: each loop gets its own, and those of closed loops are let go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._objects: dict[asyncio.AbstractEventLoop, T] = {}

    def get(self) -> T:
        """The running loop's object, made now if it has none yet."""
        loop = asyncio.get_running_loop()
        found = self._objects.get(loop)
        if found is None:
            self._objects = {
                other: kept for other, kept in self._objects.items() if not other.is_closed()
            }
            found = self._objects[loop] = self._make()
        return found

    def all(self) -> list[T]:
        """The objects of every loop still open."""
        return [kept for loop, kept in self._objects.items() if not loop.is_closed()]
