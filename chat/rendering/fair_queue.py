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

from chat.per_loop import PerLoop

T = TypeVar("T")

# Whose rendering it is: each key (a session's, an address's) with the number of visitors'
# worth of rendering it may have for one visitor's.
Shares = Sequence[tuple[str, float]]

HALF_LIFE = 60.0
# What a key has had, once below this many seconds, is forgotten (when the scores are rebased,
# every REBASE / log 2 half-lives: about every 6 minutes).
FORGOTTEN = 0.001
REBASE = 4.0


@dataclass
class _Waiting:
    shares: Shares
    turn: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FairQueue:
    def __init__(self, half_life: float = HALF_LIFE) -> None:
        self.decay = math.log(2) / half_life
        # What each key has had, as of `_epoch`: its seconds had when charged, grown by the
        # decay since the epoch. All of them decay alike, so their order never changes with
        # time, and choosing the next rendering compares these without any arithmetic.
        self._scores: dict[str, float] = {}
        self._epoch = time.monotonic()
        self._waiting: list[_Waiting] = []
        self._busy = False

    def had(self, key: str, now: float | None = None) -> float:
        """The rendering time `key` has had lately, in seconds."""
        now = time.monotonic() if now is None else now
        return self._scores.get(key, 0.0) * math.exp(self.decay * (self._epoch - now))

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
        chosen = min(self._waiting, key=lambda waiting: self._priority(waiting.shares))
        self._waiting.remove(chosen)
        self._busy = True
        chosen.turn.set_result(None)

    def _priority(self, shares: Shares) -> tuple[float, float]:
        # The key that has had the most for its share decides; where that ties (sessions of one
        # address, which the address's share dominates), the one whose others have had less.
        scores = self._scores
        served = [scores.get(key, 0.0) / share for key, share in shares]
        return (max(served, default=0.0), sum(served))

    def _done(self, shares: Shares, seconds: float) -> None:
        now = time.monotonic()
        if self.decay * (now - self._epoch) > REBASE:
            self._rebase(now)
        grown = seconds * math.exp(self.decay * (now - self._epoch))
        for key, _ in shares:
            self._scores[key] = self._scores.get(key, 0.0) + grown
        self._busy = False
        self._next()

    def _rebase(self, now: float) -> None:
        """Count from `now`, before the scores grow too large; forget what has decayed away."""
        factor = math.exp(self.decay * (self._epoch - now))
        self._scores = {
            key: score * factor
            for key, score in self._scores.items()
            if score * factor >= FORGOTTEN
        }
        self._epoch = now


_queues = PerLoop(FairQueue)


def fair_queue_here() -> FairQueue:
    """This event loop's queue."""
    return _queues.get()
