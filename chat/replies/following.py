"""Following a reply: its log turned into the frames one socket receives.

The `start` frame, then every delta after the index the socket already has, then the live tail,
then the final `done` or `error`; with `render`, `html_frames` adds the answer's rendering.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from chat import protocol
from chat.endings import Ending
from chat.models import Turn
from chat.replies.html_frames import HtmlFrames, Send
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog
from chat.turn_renderings import saved_rendering


class Follower:
    """Sends one reply's frames to one socket; `ended` once the reply's final frame is going out.

    A socket that follows a reply may not ask again until the reply has ended; it learns that
    here, not by looking at what it sends.
    """

    def __init__(
        self, log: ReplyLog, reply: str, after: int, render: protocol.Render, send: Send
    ) -> None:
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
            changes = self.render == "changes"
            renderer = HtmlFrames(reply, self._send, changes=changes) if self.render else None
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

    async def _forward_rendering(self, entries: AsyncIterator[Entry], renderer: HtmlFrames) -> None:
        # Renderings run in a task of this follower's own: deltas go on while a long answer
        # renders, and text that came just before the upstream paused is rendered during the
        # pause.
        renderings = asyncio.create_task(renderer.run())
        try:
            async for entry in entries:
                await self._forward(entry, renderer)
                if isinstance(entry, End):
                    return
        finally:
            renderings.cancel()
            await asyncio.gather(renderings, return_exceptions=True)

    async def _forward(self, entry: Entry, renderer: HtmlFrames | None) -> None:
        if isinstance(entry, Delta):
            if renderer and not entry.reasoning:
                renderer.add(entry)
            if entry.seq > self.after:
                await self._send(
                    protocol.delta(self.reply, entry.seq, entry.content, reasoning=entry.reasoning)
                )
        else:
            if renderer:
                await renderer.finish()
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


async def replay_saved(
    turn: Turn, ending: Ending, after: int, send: Send, render: protocol.Render = False
) -> None:
    """Answer a resume from the database once the log no longer has the reply.

    Saved text has no seqs: a client that has nothing gets the thinking and the answer each
    whole, as one `reasoning` and one `delta` frame, and the stored rendering; the final frame,
    the same as the live one, carries the whole text for a client that had part of it.
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
            if render:
                markup = await saved_rendering(turn)
                keep = 0 if render == "changes" else None
                await send(protocol.html(reply, seq, markup, keep=keep))
    await send(protocol.final(reply, ending))
