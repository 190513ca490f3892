"""Waiting, with a bound, for a state that nothing announces (a key expiring, a timer firing)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Return once `check()` holds; fail if it still does not after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"still not so after {within} s: {check.__name__}")
        await asyncio.sleep(0.01)
