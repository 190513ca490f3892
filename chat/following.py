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
from chat.models import Turn
from chat.rendering import render_markdown
from chat.reply_log import Delta, End, Entry, ReplyLog

Send = Callable[[dict[str, Any]], Awaitable[None]]

# A rendering of the whole answer so far waits at least this many times the last one's duration:
# rendering then takes at most about a tenth of a stream's time, however long the answer.
RENDER_SPACING = 10


async def follow(log: ReplyLog, reply: str, after: int, render: bool, send: Send) -> None:
    await log.join(reply)
    try:
        renderer = _Renderer(reply, send) if render else None
        # A renderer needs the text before `after` too, so it reads the log from the start.
        entries = log.entries(reply, -1 if renderer else after)
        async with aclosing(entries):
            # The start waits for the reply's first entry: by then the log knows which of
            # several candidate backends is answering.
            first = await anext(entries)
            meta = await log.meta(reply) or {}
            await send(
                protocol.start(
                    reply,
                    meta.get("model", ""),
                    meta.get("provider"),
                    meta.get("conversation"),
                    meta.get("question"),
                )
            )
            await _forward(first, reply, after, renderer, send)
            if renderer is None:
                async for entry in entries:
                    await _forward(entry, reply, after, None, send)
            elif not isinstance(first, End):
                await _forward_rendering(entries, reply, after, renderer, send)
    finally:
        await log.leave(reply)


async def _forward_rendering(
    entries: AsyncIterator[Entry], reply: str, after: int, renderer: _Renderer, send: Send
) -> None:
    # Renderings run in a task of this follower's own: deltas go on while a long answer
    # renders, and text that came just before the upstream paused is rendered during the pause.
    renderings = asyncio.create_task(renderer.render_when_due())
    try:
        async for entry in entries:
            await _forward(entry, reply, after, renderer, send)
            if isinstance(entry, End):
                return
    finally:
        renderings.cancel()
        await asyncio.gather(renderings, return_exceptions=True)


async def _forward(
    entry: Entry, reply: str, after: int, renderer: _Renderer | None, send: Send
) -> None:
    if isinstance(entry, Delta):
        if renderer:
            renderer.add(entry)
        if entry.seq > after:
            await send(protocol.delta(reply, entry.seq, entry.content))
    else:
        if renderer:
            await renderer.send_rest()
        await send(entry.frame)


async def replay_saved(turn: Turn, after: int, send: Send) -> None:
    """Answer a resume from the database once the log no longer has the reply.

    Saved text has no seqs: a client that has nothing gets it whole as delta 0; the final
    frame carries the whole text too, for a client that already had part of it.
    """
    reply, provider = turn.reply_id, turn.provider or None
    await send(
        protocol.start(reply, turn.model, provider, str(turn.conversation_id), turn.question)
    )
    if after < 0 and turn.answer:
        await send(protocol.delta(reply, 0, turn.answer))
    finish_reason = {Turn.Status.DONE: "stop", Turn.Status.STOPPED: "stopped"}.get(turn.status)
    if finish_reason is not None:
        final = protocol.done(reply, finish_reason, provider=provider, model=turn.model)
    elif turn.status == Turn.Status.FAILED:
        final = protocol.error(reply, "upstream_failed", turn.error or "The answer failed.")
    else:
        final = protocol.error(
            reply,
            "interrupted",
            "The server restarted before this answer ended; its text so far is kept.",
        )
    await send({**final, "text": turn.answer, "stats": turn.stats or None})


class _Renderer:
    def __init__(self, reply: str, send: Send) -> None:
        self.reply = reply
        self.send = send
        self.parts: list[str] = []
        self.sent_upto = -1
        self.sent_at = 0.0
        self.took = 0.0
        self.unrendered = asyncio.Event()
        # One rendering at a time: the last one, at the end, waits for one still running.
        self.rendering = asyncio.Lock()

    def add(self, delta: Delta) -> None:
        self.parts.append(delta.content)
        self.unrendered.set()

    def due_in(self) -> float | None:
        """Seconds until the unrendered text should be rendered; None when there is none."""
        if self.sent_upto >= len(self.parts) - 1:
            return None
        interval = max(settings.STREAMDEMO_RENDER_INTERVAL, RENDER_SPACING * self.took)
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
        upto = len(self.parts) - 1
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
        await self.send(protocol.html(self.reply, upto, markup))
