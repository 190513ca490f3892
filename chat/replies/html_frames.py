"""The `html` frames of one reply for one socket: the answer's markdown, rendered on the server.

A follower `add`s each piece of the answer (or several joined, with the last one's seq), runs
`run` in a task of its own while the reply streams, and awaits `finish` before the final
frame. The renderings come from the reply's `LiveRendering`, shared by every socket following
it in this process: a resume or a second tab renders nothing again. A rendering goes out at
most every `STREAMDEMO_RENDER_INTERVAL` seconds, and the final one, of the whole text, at the end.

With `changes` (the client said it understands `from`), a frame carries only the blocks from
the first one the client does not have. Otherwise each frame is the whole rendering, sent only
once it has grown by `WHOLE_GROWTH` since the last: either way what a socket receives is in
proportion to the answer, not to its square.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from django.conf import settings

from chat import protocol
from chat.rendering.fair_queue import Shares
from chat.rendering.live import rendering_of
from chat.replies.log import Delta

Send = Callable[[dict[str, Any]], Awaitable[None]]

# Seconds without a new piece after which text the shared rendering is waiting on is rendered.
PAUSE = 0.5
WHOLE_GROWTH = 0.25


class HtmlFrames:
    def __init__(
        self,
        reply: str,
        send: Send,
        *,
        changes: bool = False,
        after: int = -1,
        shares: Shares = (),
    ) -> None:
        self.reply = reply
        # The client has the pieces up to `after` already, in frames whose ends this socket never
        # saw; those after it, the follower adds as the frames it sends.
        self.after = after
        self.seqs: list[int] = []  # the seq of each part
        self.send = send
        self.changes = changes
        self.live = rendering_of(reply, shares)
        self.parts: list[str] = []
        self.ends: list[int] = []  # the text's length after each part
        self.last_seq = -1  # thinking pieces share the sequence but are not rendered
        self.offered = 0  # how much text the shared rendering was last asked for
        self.forced = -1  # how much text it was last asked for after a pause
        self.shown = 0  # how much text the client's rendering covers
        self.sent: Sequence[str] = ()  # the blocks the client has
        self.sent_chars = 0
        self.sent_at = 0.0
        # Set once the text has grown enough for the shared rendering to be made again: until
        # then, more text wakes nothing (a wake-up per piece cost more than the pieces).
        self.due = asyncio.Event()
        self.due_at = 0
        # Whether the client has all the text rendered: new text must start the pause's clock.
        self.idle = False
        # One rendering at a time: the last one, at the end, waits for one still under way.
        self.rendering = asyncio.Lock()

    @property
    def length(self) -> int:
        return self.ends[-1] if self.ends else 0

    def add(self, delta: Delta) -> None:
        self.parts.append(delta.content)
        self.seqs.append(delta.seq)
        self.ends.append(self.length + len(delta.content))
        self.last_seq = delta.seq
        if self.length >= self.due_at or self.idle:
            self.due.set()

    def text_between(self, begins: int, ends: int) -> str:
        """The answer's text from `begins` to `ends`, which is where one of its parts ends."""
        first, last = bisect.bisect_right(self.ends, begins), bisect.bisect_left(self.ends, ends)
        if first > last:
            return ""
        skip = begins - (self.ends[first] - len(self.parts[first]))
        return self.parts[first][skip:] + "".join(self.parts[first + 1 : last + 1])

    async def run(self) -> None:
        """Send a rendering each time one is due, whether or not more text comes."""
        while True:
            self.due.clear()
            if self.offered < self.length and self.length >= self.due_at:
                delay = self.sent_at + settings.STREAMDEMO_RENDER_INTERVAL - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    await self._offer(force=False)
            elif self.shown < self.length and self.forced < self.length:
                # The shared rendering waits for more text; if the stream pauses, not for long:
                # PAUSE, or until a rendering for a pause may be made, if that is later.
                # (Meanwhile another socket's follower may have had it made again.)
                seen = self.length
                wait = max(PAUSE, self.live.pause_at - time.monotonic())
                try:
                    async with asyncio.timeout(wait):
                        await self.due.wait()
                except TimeoutError:
                    await self._offer(force=self.length == seen)
            else:
                self.idle = True
                await self.due.wait()
                self.idle = False

    async def finish(self) -> None:
        """Send the final rendering, unless the client already has it."""
        async with self.rendering:
            if not self.parts:
                return
            length = self.length
            blocks = await self.live.final(length, lambda begins: self.text_between(begins, length))
            if self.shown < length or list(blocks) != list(self.sent):
                await self._show(length, blocks, whole=True)

    async def _offer(self, *, force: bool) -> None:
        async with self.rendering:
            length, upto = self.length, self.last_seq
            self.offered = length
            snapshot = await self.live.at(
                upto, length, lambda begins: self.text_between(begins, length), force=force
            )
            if force and (snapshot is None or snapshot.length >= length):
                # Rendered for the pause (or past needing it); a rendering declined as too soon
                # after the last one is asked for again once it may be made.
                self.forced = length
            self.due_at = max(length + 1, self.live.due_at())
            if snapshot is not None and snapshot.length > self.shown:
                await self._show(snapshot.length, snapshot.blocks, whole=False)

    def _client_seq_at(self, length: int) -> int | None:
        """The seq of the client's piece whose text ends `length` characters into the answer, or
        None when none of its pieces ends there: a rendering of that much text would leave it
        unable to tell the rendered text from the rest (its pieces may hold several joined)."""
        index = bisect.bisect_left(self.ends, length)
        if index == len(self.ends) or self.ends[index] != length:
            return None
        seq = self.seqs[index]
        if seq > self.after:
            return seq  # the end of a frame this socket sent
        following = self.seqs[index + 1] if index + 1 < len(self.seqs) else None
        return seq if following is None or following > self.after else None

    async def _show(self, length: int, blocks: Sequence[str], *, whole: bool) -> None:
        upto = self._client_seq_at(length)
        if upto is None:
            return
        keep: int | None = None
        if self.changes:
            keep = 0
            for had, block in zip(self.sent, blocks, strict=False):
                if had is not block and had != block:
                    break
                keep += 1
            markup = "".join(blocks[keep:])
        else:
            chars = sum(map(len, blocks))
            if not whole and chars < (1 + WHOLE_GROWTH) * self.sent_chars:
                return
            self.sent_chars = chars
            markup = "".join(blocks)
        if not protocol.html_fits(markup):
            return
        self.sent, self.shown, self.sent_at = blocks, length, time.monotonic()
        await self.send(protocol.html(self.reply, upto, markup, keep=keep))
