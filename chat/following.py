"""Following a reply: its log turned into the frames one socket receives.

The `start` frame, then every delta after the index the socket already has, then the live tail,
then the final `done` or `error`. With `render`, the answer's markdown is also sent as `html`
frames, at most every `STREAMDEMO_RENDER_INTERVAL` seconds and once at the end, so the cost of
rendering does not grow with the speed of the stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from chat import protocol
from chat.rendering import render_markdown
from chat.reply_log import Delta, ReplyLog

Send = Callable[[dict[str, Any]], Awaitable[None]]


async def follow(log: ReplyLog, reply: str, after: int, render: bool, send: Send) -> None:
    await log.join(reply)
    try:
        meta = await log.meta(reply) or {}
        await send(
            {
                **protocol.start(reply, meta.get("model", ""), meta.get("provider")),
                "conversation": meta.get("conversation"),
                "question": meta.get("question"),
            }
        )
        renderer = _Renderer(reply, send) if render else None
        # A renderer needs the text before `after` too, so it reads the log from the start.
        async for entry in log.entries(reply, -1 if renderer else after):
            if isinstance(entry, Delta):
                if renderer:
                    renderer.add(entry)
                if entry.seq > after:
                    await send(protocol.delta(reply, entry.seq, entry.content))
                if renderer and entry.seq > after:
                    await renderer.maybe_send()
            else:
                if renderer:
                    await renderer.send_rest()
                await send(entry.frame)
    finally:
        await log.leave(reply)


class _Renderer:
    def __init__(self, reply: str, send: Send) -> None:
        self.reply = reply
        self.send = send
        self.parts: list[str] = []
        self.sent_upto = -1
        self.sent_at = 0.0

    def add(self, delta: Delta) -> None:
        self.parts.append(delta.content)

    async def maybe_send(self) -> None:
        if time.monotonic() - self.sent_at >= settings.STREAMDEMO_RENDER_INTERVAL:
            await self._send()

    async def send_rest(self) -> None:
        if self.parts and self.sent_upto < len(self.parts) - 1:
            await self._send()

    async def _send(self) -> None:
        upto = len(self.parts) - 1
        text = "".join(self.parts)
        # Long answers render off the event loop, so other sockets keep streaming meanwhile.
        markup = (
            render_markdown(text)
            if len(text) < 4096
            else await asyncio.to_thread(render_markdown, text)
        )
        self.sent_upto, self.sent_at = upto, time.monotonic()
        await self.send(protocol.html(self.reply, upto, markup))
