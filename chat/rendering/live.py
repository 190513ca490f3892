"""One reply's rendering, shared by every socket that follows it in this process.

While the answer streams, its settled blocks are rendered once and kept; only the region after
them, which may still change, is rendered again, and only once it has grown by `GROWTH` of its
size since the last time: each rendering then costs at most (1 + 1/GROWTH) times the text that
arrived since the one before, and a whole answer's rendering work stays in proportion to its
length, however it streams. A pause in the stream may add one rendering of the region, no
sooner than `PAUSE_SPACING` times the last rendering took after it, so a slow stream of a long
block costs at most about a tenth of a core, wherever it renders. The
final rendering, of the whole text at once, is made once (a long one in parts, each taking its
turn among every visitor's renderings). A resume or a second tab reuses all of it; what is
kept is bounded (`KEEP_REPLIES`, `KEEP_CHARS`), the oldest let go first.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from chat.rendering import budget, offloop
from chat.rendering.blocks import render_region
from chat.rendering.fair_queue import Shares

GROWTH = 0.5
# About how much text one turn of a final rendering renders (at least one block): markdown-it
# took 0.2 s for this much of hostile text, and parsing the whole text's blocks again for each
# part costs some 3% of rendering an ordinary answer.
FINAL_PART_CHARS = 16_000
PAUSE_SPACING = 10
KEEP_REPLIES = 256
KEEP_CHARS = 32_000_000

# The answer's text from an offset on, as the asking follower has it.
TextFrom = Callable[[int], str]


@dataclass(frozen=True)
class Snapshot:
    """The rendering of the answer up to and including its piece `upto` (`length` characters):
    the first `kept` of `settled`, which never change, then `tail`, which may."""

    upto: int
    length: int
    settled: list[str]
    kept: int
    tail: tuple[str, ...]

    @property
    def blocks(self) -> list[str]:
        return self.settled[: self.kept] + list(self.tail)


class LiveRendering:
    def __init__(self, shares: Shares = ()) -> None:
        # Whose answer this is: its renderings take their turns as that visitor's.
        self.shares = shares
        self.settled: list[str] = []
        # Where the region not yet settled begins in the text.
        self.begins = 0
        self.latest: Snapshot | None = None
        self._final: tuple[int, tuple[str, ...]] | None = None
        self._turn = asyncio.Lock()
        # When a rendering for a pause may next be made.
        self._pause_at = 0.0
        # About how much HTML this rendering keeps, counted as it changes (`chars`), and
        # whether it counts in what this process keeps (`_kept`), until it is let go.
        self.kept = False
        self._chars = self._settled_chars = 0

    @property
    def chars(self) -> int:
        return self._chars

    @chars.setter
    def chars(self, chars: int) -> None:
        global _kept_chars
        if self.kept:
            _kept_chars += chars - self._chars
        self._chars = chars

    @property
    def pause_at(self) -> float:
        """When (`time.monotonic`) a rendering for a pause in the stream may next be made."""
        return self._pause_at

    def due_at(self) -> int:
        """How long the answer must be for `at` to render it again, unless forced."""
        latest = self.latest
        if latest is None:
            return 0
        return latest.length + math.ceil(GROWTH * (latest.length - self.begins))

    async def at(
        self, upto: int, length: int, text_from: TextFrom, *, force: bool
    ) -> Snapshot | None:
        """A rendering of the answer's first `length` characters or fewer (the newest there is,
        if the text has not grown enough since to be worth rendering again, unless `force`);
        None for a follower behind the newest rendering: it catches up soon."""
        async with self._turn:
            latest = self.latest
            if self._final is not None:
                return None  # the answer has ended: its final rendering is what is left to send
            if latest is not None:
                if length <= latest.length:
                    return latest if length == latest.length else None
                grown = length - latest.length >= GROWTH * (latest.length - self.begins)
                if not grown and not (force and time.monotonic() >= self._pause_at):
                    return latest
            began = time.monotonic()
            await self._advance(upto, length, text_from)
            ended = time.monotonic()
            self._pause_at = ended + PAUSE_SPACING * (ended - began)
            return self.latest

    async def _advance(self, upto: int, length: int, text_from: TextFrom) -> None:
        limit = budget.max_chars()
        if length > limit:
            # From now on the answer is one preformatted block, rendered again as it doubles.
            self.begins = 0
            tail = await offloop.run(budget.too_long, text_from(0), limit, shares=self.shares)
            self.latest = Snapshot(upto, length, self.settled, 0, tail)
            self.chars = self._settled_chars + sum(map(len, tail))
            return
        region = await offloop.run(
            render_region,
            text_from(self.begins),
            final=False,
            block_chars=budget.block_chars(),
            shares=self.shares,
        )
        newly = region.blocks[: region.settled]
        self.settled += newly
        self.begins += region.settled_chars
        tail = region.blocks[region.settled :]
        self.latest = Snapshot(upto, length, self.settled, len(self.settled), tail)
        self._settled_chars += sum(map(len, newly))
        self.chars = self._settled_chars + sum(map(len, tail))

    async def final(self, length: int, text_from: TextFrom) -> tuple[str, ...]:
        """The rendering of the whole answer (`length` characters), made once, in parts of
        about `FINAL_PART_CHARS` of the text, each a turn of its own among every visitor's
        renderings: another's rendering waits for one part, not for a long answer's whole."""
        async with self._turn:
            if self._final is None or self._final[0] != length:
                text, made = text_from(0), list[str]()
                first: int | None = 0
                while first is not None:
                    part, first = await offloop.run(
                        budget.whole_part,
                        text,
                        budget.max_chars(),
                        budget.block_chars(),
                        first,
                        FINAL_PART_CHARS,
                        shares=self.shares,
                    )
                    made += part
                blocks = tuple(made)
                self._final = (length, blocks)
                # Followers still streaming keep the snapshots they hold; nobody needs more.
                self.settled, self.latest = [], None
                self.chars, self._settled_chars = sum(map(len, blocks)), 0
            return self._final[1]


_kept: OrderedDict[str, LiveRendering] = OrderedDict()
# What the renderings kept hold together, counted as each changes: summing them at every new
# reply cost more than the rest of making its rendering.
_kept_chars = 0


def rendering_of(reply: str, shares: Shares = ()) -> LiveRendering:
    """The reply's shared rendering in this process, made on first use, as `shares`'s."""
    rendering = _kept.get(reply)
    if rendering is not None:
        _kept.move_to_end(reply)
        rendering.shares = rendering.shares or shares
        return rendering
    global _kept_chars
    rendering = _kept[reply] = LiveRendering(shares)
    rendering.kept = True
    while len(_kept) > 1 and (len(_kept) > KEEP_REPLIES or _kept_chars > KEEP_CHARS):
        let_go = _kept.popitem(last=False)[1]
        let_go.kept = False
        _kept_chars -= let_go.chars
    return rendering
