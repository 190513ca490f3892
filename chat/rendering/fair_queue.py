"""Renderings take turns: the one whose visitors have had the least rendering lately goes first.

One process renders the long texts of every visitor (`offloop`). Handed to it in the order they
come, the renderings of a few visitors whose answers are costly to render (long runs of `![`,
say) would queue everyone else's behind theirs: an ordinary answer waited half a minute for its
final rendering behind ten such visitors. Here one rendering runs at a time; the others wait,
and the next to run is the one whose visitors have had the least rendering time lately. A
rendering names its visitors as `Shares`: the session that asked, and its address, which, as
in the limits, may have as many sessions' worth as `STREAMDEMO_PER_ADDRESS` says. The time a
rendering takes is charged to each, and what each has had halves every `HALF_LIFE` seconds.

So a visitor whose answers are costly to render waits behind its own renderings and behind no
one else's: anybody else's next rendering waits at most for the one already under way, which
the rendering budget bounds (`budget`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# Whose rendering it is: each key (a session's, an address's) with the number of visitors'
# worth of rendering it may have for one visitor's.
Shares = Sequence[tuple[str, float]]

HALF_LIFE = 60.0
# What a key has had, once below this many seconds, is forgotten.
FORGOTTEN = 0.001


@dataclass
class _Waiting:
    shares: Shares
    turn: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FairQueue:
    def __init__(self, half_life: float = HALF_LIFE) -> None:
        self.half_life = half_life
        self._had: dict[str, tuple[float, float]] = {}  # key -> (seconds, as of when)
        self._waiting: list[_Waiting] = []
        self._busy = False
        self._pruned = time.monotonic()

    def had(self, key: str, now: float | None = None) -> float:
        """The rendering time `key` has had lately, in seconds."""
        seconds, since = self._had.get(key, (0.0, 0.0))
        now = time.monotonic() if now is None else now
        return seconds * math.exp((since - now) * math.log(2) / self.half_life)

    async def run(self, shares: Shares, start: Callable[[], Awaitable[T]]) -> T:
        """`await start()` once it is this rendering's turn; its time is charged to `shares`."""
        waiting = _Waiting(shares)
        self._waiting.append(waiting)
        self._next()
        try:
            await waiting.turn
        except asyncio.CancelledError:
            if waiting in self._waiting:
                self._waiting.remove(waiting)
            elif waiting.turn.done() and not waiting.turn.cancelled():
                self._done(shares, 0.0)  # its turn came as its caller went
            raise
        began = time.monotonic()
        rendering = asyncio.ensure_future(start())
        rendering.add_done_callback(lambda _: self._done(shares, time.monotonic() - began))
        # A caller that goes leaves a rendering under way to finish (a process cannot be
        # interrupted): the next one begins after it.
        return await asyncio.shield(rendering)

    def _next(self) -> None:
        if self._busy or not self._waiting:
            return
        now = time.monotonic()
        chosen = min(self._waiting, key=lambda waiting: self._priority(waiting.shares, now))
        self._waiting.remove(chosen)
        self._busy = True
        chosen.turn.set_result(None)

    def _priority(self, shares: Shares, now: float) -> float:
        return max((self.had(key, now) / share for key, share in shares), default=0.0)

    def _done(self, shares: Shares, seconds: float) -> None:
        now = time.monotonic()
        for key, _ in shares:
            self._had[key] = (self.had(key, now) + seconds, now)
        if now - self._pruned >= self.half_life:
            self._pruned = now
            self._had = {key: had for key, had in self._had.items() if self.had(key) >= FORGOTTEN}
        self._busy = False
        self._next()


_queues: dict[asyncio.AbstractEventLoop, FairQueue] = {}


def fair_queue_here() -> FairQueue:
    """This event loop's queue (a test run may go through several loops)."""
    global _queues
    loop = asyncio.get_running_loop()
    if loop not in _queues:
        _queues = {other: queue for other, queue in _queues.items() if not other.is_closed()}
        _queues[loop] = FairQueue()
    return _queues[loop]
