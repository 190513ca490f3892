"""The `html` frames of one reply for one socket: the answer's markdown, rendered on the server.

A follower `add`s each piece of the answer, runs `run` in a task of its own while the reply
streams, and awaits `finish` before the final frame. A rendering goes out at most every
`STREAMDEMO_RENDER_INTERVAL` seconds and once at the end, so the cost of rendering does not
grow with the speed of the stream; and no more often than ten times the last rendering took,
so it does not grow with the square of the answer's length either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from chat import protocol
from chat.rendering import render_markdown
from chat.replies.log import Delta

Send = Callable[[dict[str, Any]], Awaitable[None]]

# A rendering of the whole answer so far waits at least this many times the last one's duration:
# rendering then takes at most about a tenth of a stream's time, however long the answer.
RENDER_SPACING = 10


class HtmlFrames:
    def __init__(self, reply: str, send: Send) -> None:
        self.reply = reply
        self.send = send
        self.parts: list[str] = []
        # The seq of the last part: thinking pieces share the sequence but are not rendered.
        self.last_seq = -1
        self.sent_upto = -1
        self.sent_at = 0.0
        self.took = 0.0
        self.unrendered = asyncio.Event()
        # One rendering at a time: the last one, at the end, waits for one still running.
        self.rendering = asyncio.Lock()

    def add(self, delta: Delta) -> None:
        self.parts.append(delta.content)
        self.last_seq = delta.seq
        self.unrendered.set()

    def due_in(self) -> float | None:
        """Seconds until the unrendered text should be rendered; None when there is none."""
        if self.sent_upto >= len(self.parts) - 1:
            return None
        interval = max(float(settings.STREAMDEMO_RENDER_INTERVAL), RENDER_SPACING * self.took)
        return max(0.0, self.sent_at + interval - time.monotonic())

    async def finish(self) -> None:
        """Send a rendering of whatever text the last one did not have."""
        async with self.rendering:
            if self.due_in() is not None:
                await self._render()

    async def run(self) -> None:
        """Render the text so far each time a rendering is due, whether or not more comes."""
        while True:
            due = self.due_in()
            if due is None:
                self.unrendered.clear()
                await self.unrendered.wait()
            elif due > 0:
                await asyncio.sleep(due)
            else:
                await self._send_if_due()

    async def _send_if_due(self) -> None:
        async with self.rendering:
            # Another rendering may have run while this one waited for its turn.
            if self.due_in() == 0:
                await self._render()

    async def _render(self) -> None:
        upto, seq = len(self.parts) - 1, self.last_seq
        text = "".join(self.parts)
        began = time.monotonic()
        # Long answers render off the event loop, so other sockets keep streaming meanwhile.
        markup = (
            render_markdown(text)
            if len(text) < 4096
            else await asyncio.to_thread(render_markdown, text)
        )
        self.sent_upto, self.sent_at = upto, time.monotonic()
        self.took = self.sent_at - began
        await self.send(protocol.html(self.reply, seq, markup))
