"""Rendering off the event loop, in a process of its own.

markdown-it and Pygments are pure Python: a long rendering in a thread holds the GIL for most
of its time, and the event loop, which serves every other socket, then gets a turn only every
few milliseconds. A separate process renders without taking the loop's time: while the 59 KB
hostile answer of `![` runs rendered (0.8 s), a task sleeping 1 ms at a time woke 5 ms late at
the median with a thread (and ran 370 times in 2.4 s), 0.1 ms late with the process (2,100
times). It is started on first use and stopped with the server (`chat.replies.lifecycle`), and
spoken to from the event loop itself (`worker`);
short, plain texts render in place, where handing them over would cost more than rendering
them (`renders_in_place`). The others take turns (`fair_queue`): whoever has had the least
rendering lately goes first.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from chat.rendering.fair_queue import Shares, fair_queue_here
from chat.rendering.worker import Worker, WorkerGone

# Texts rendered in place: no longer than this, with no link or image (markdown-it looks for
# the end of every `[` it meets, to the end of the text: 48 characters of `[](` took 1.7 ms,
# 512 of `![` 8 ms), no fenced code (Pygments: 13 ms for some lexers' worst 500 characters,
# 190 for a lexer's first use), and no more of each of these marks than it says (512
# characters of `_a` took 10 ms, 256 short lines 4.5, a table of 80 rows 4). Within these,
# the costliest of 110,000 random texts took 1 ms; an ordinary paragraph of 500, 0.4.
INLINE_CHARS = 512
INLINE_MARKS = {"_*~": 48, "`": 32, "\n": 24, "|": 24, "<": 16, "&": 16}

T = TypeVar("T")
# The rendering process of each event loop (a test run may go through several).
_workers: dict[asyncio.AbstractEventLoop, Worker] = {}


async def run(
    render: Callable[..., T], text: str, *args: Any, shares: Shares = (), **kwargs: Any
) -> T:
    """`render(text, *args, **kwargs)`, off the event loop unless it is cheap, in its turn
    among the renderings of every visitor (`shares` says whose it is).

    `render` must be a module-level function of `chat.rendering`: the process imports it.
    """
    call = functools.partial(render, text, *args, **kwargs)
    if renders_in_place(text):
        return call()
    return await fair_queue_here().run(shares, functools.partial(_off_loop, call))


def renders_in_place(text: str) -> bool:
    """Whether `text` is cheap to render whatever it holds: cheaper than handing it over."""
    if len(text) > INLINE_CHARS or "[" in text or "```" in text or "~~~" in text:
        return False
    return all(
        sum(text.count(mark) for mark in marks) <= most for marks, most in INLINE_MARKS.items()
    )


async def _off_loop(call: Callable[[], T]) -> T:
    if not settings.STREAMDEMO_RENDER_PROCESS:
        return await asyncio.to_thread(call)
    try:
        return await _worker().call(call)
    except WorkerGone:
        # The process died (killed, out of memory): the next rendering starts another.
        return await asyncio.to_thread(call)


def _worker() -> Worker:
    loop = asyncio.get_running_loop()
    if loop not in _workers:
        for other in [other for other in _workers if other.is_closed()]:
            _workers.pop(other).stop()
        _workers[loop] = Worker()
    return _workers[loop]


def running() -> bool:
    """Whether a rendering process runs for this event loop."""
    worker = _workers.get(asyncio.get_running_loop())
    return worker is not None and worker.running


def shutdown() -> None:
    """Stop the rendering processes, if any run; a later rendering starts another."""
    while _workers:
        _workers.popitem()[1].stop()
