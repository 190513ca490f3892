"""Following a reply: its log turned into the frames one socket receives.

The `start` frame, then every delta after the index the socket already has, then the live tail,
then the final `done` or `error`. With `render`, the answer's markdown is also sent as `html`
frames, at most every `STREAMDEMO_RENDER_INTERVAL` seconds and once at the end, so the cost of
rendering does not grow with the speed of the stream; and no more often than ten times the
last rendering took, so it does not grow with the square of the answer's length either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

from django.conf import settings

from chat import protocol
from chat.endings import Ending
from chat.models import Turn
from chat.rendering import render_markdown
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog

Send = Callable[[dict[str, Any]], Awaitable[None]]

# A rendering of the whole answer so far waits at least this many times the last one's duration:
# rendering then takes at most about a tenth of a stream's time, however long the answer.
RENDER_SPACING = 10


class Follower:
    """Sends one reply's frames to one socket; `ended` once the reply's final frame is going out.

    A socket that follows a reply may not ask again until the reply has ended; it learns that
    here, not by looking at what it sends.
    """

    def __init__(self, log: ReplyLog, reply: str, after: int, render: bool, send: Send) -> None:
        self.log = log
        self.reply = reply
        self.after = after
        self.render = render
        self.ended = False
        # Set once the follower is done, whether the reply ended or the following was cut.
        self.finished = asyncio.Event()
        self._send = send

    async def run(self) -> None:
        log, reply = self.log, self.reply
        await log.join(reply)
        try:
            renderer = _Renderer(reply, self._send) if self.render else None
            # A renderer needs the text before `after` too, so it reads the log from the start.
            entries = log.entries(reply, -1 if renderer else self.after)
            async with aclosing(entries):
                # The start waits for the reply's first entry: by then the log knows which of
                # several candidate backends is answering.
                first = await anext(entries)
                info = await log.info(reply)
                if info is not None:
                    await self._send(start_frame(info))
                await self._forward(first, renderer)
                if renderer is None:
                    async for entry in entries:
                        await self._forward(entry, None)
                elif not isinstance(first, End):
                    await self._forward_rendering(entries, renderer)
        finally:
            self.finished.set()
            await log.leave(reply)

    async def _forward_rendering(self, entries: AsyncIterator[Entry], renderer: _Renderer) -> None:
        # Renderings run in a task of this follower's own: deltas go on while a long answer
        # renders, and text that came just before the upstream paused is rendered during the
        # pause.
        renderings = asyncio.create_task(renderer.render_when_due())
        try:
            async for entry in entries:
                await self._forward(entry, renderer)
                if isinstance(entry, End):
                    return
        finally:
            renderings.cancel()
            await asyncio.gather(renderings, return_exceptions=True)

    async def _forward(self, entry: Entry, renderer: _Renderer | None) -> None:
        if isinstance(entry, Delta):
            if renderer and not entry.reasoning:
                renderer.add(entry)
            if entry.seq > self.after:
                await self._send(
                    protocol.delta(self.reply, entry.seq, entry.content, reasoning=entry.reasoning)
                )
        else:
            if renderer:
                await renderer.send_rest()
            self.ended = True
            await self._send(protocol.final(self.reply, entry.ending))


def start_frame(info: ReplyInfo) -> dict[str, Any]:
    return protocol.start(
        info.reply,
        conversation=info.conversation,
        title=info.title,
        question=info.question,
        model=info.model,
        provider=info.provider,
        left_out=info.left_out,
        replaces=info.replaces,
        elapsed_ms=round((time.time() - info.asked_at) * 1000) if info.asked_at else None,
        first_token_ms=info.first_token_ms,
    )


async def replay_saved(turn: Turn, ending: Ending, after: int, send: Send) -> None:
    """Answer a resume from the database once the log no longer has the reply.

    Saved text has no seqs: a client that has nothing gets the thinking and the answer each
    whole, as one `reasoning` and one `delta` frame; the final frame, the same as the live one,
    carries the whole text for a client that had part of it.
    """
    reply = turn.reply_id
    await send(
        protocol.start(
            reply,
            conversation=str(turn.conversation_id),
            title=turn.conversation.title,
            question=turn.question,
            model=turn.model,
            provider=turn.provider or None,
            left_out=turn.left_out,
            first_token_ms=(turn.stats or {}).get("first_token_ms"),
        )
    )
    if after < 0:
        seq = 0
        if turn.reasoning:
            await send(protocol.delta(reply, seq, turn.reasoning, reasoning=True))
            seq += 1
        if turn.answer:
            await send(protocol.delta(reply, seq, turn.answer))
    await send(protocol.final(reply, ending))


class _Renderer:
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

    async def send_rest(self) -> None:
        async with self.rendering:
            if self.due_in() is not None:
                await self._render()

    async def render_when_due(self) -> None:
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
