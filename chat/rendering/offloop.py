"""Rendering off the event loop, in a process of its own.

markdown-it and Pygments are pure Python: a long rendering in a thread holds the GIL for most
of its time, and the event loop, which serves every other socket, then gets a turn only every
few milliseconds. A separate process renders without taking the loop's time: while the 59 KB
hostile answer of `![` runs rendered (0.8 s), a task sleeping 1 ms at a time woke 5 ms late at
the median with a thread (and ran 370 times in 2.4 s), 0.1 ms late with the process (2,100
times). It is started on first use and stopped with the server (`chat.replies.lifecycle`);
short texts render in place, where handing them over would cost more than rendering them.
Long ones take turns (`fair_queue`): whoever has had the least rendering lately goes first.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings

from chat.rendering.fair_queue import Shares, fair_queue_here

# Rendering this much takes well under a millisecond, even for hostile text.
INLINE_CHARS = 512

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None


async def run(
    render: Callable[..., T], text: str, *args: Any, shares: Shares = (), **kwargs: Any
) -> T:
    """`render(text, *args, **kwargs)`, off the event loop unless `text` is short, in its turn
    among the renderings of every visitor (`shares` says whose it is).

    `render` must be a module-level function of `chat.rendering`: the process imports it.
    """
    call = functools.partial(render, text, *args, **kwargs)
    if len(text) <= INLINE_CHARS:
        return call()
    return await fair_queue_here().run(shares, functools.partial(_off_loop, call))


async def _off_loop(call: Callable[[], T]) -> T:
    if not settings.STREAMDEMO_RENDER_PROCESS:
        return await asyncio.to_thread(call)
    try:
        return await asyncio.get_running_loop().run_in_executor(_process(), call)
    except BrokenExecutor:
        # The process died (killed, out of memory): the next rendering starts another.
        shutdown()
        return await asyncio.to_thread(call)


def _process() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # Imported when first needed, not at start-up, which the autoreloader waits on.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Spawned, not forked: the server has threads (the database's, daphne's) a fork would
        # copy mid-work.
        _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def shutdown() -> None:
    """Stop the rendering process, if one runs; a later rendering starts another."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
