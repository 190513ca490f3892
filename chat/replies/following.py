"""Following a reply: its log turned into the frames one socket receives.

The `start` frame, then every delta after the index the socket already has, then the live tail,
then the final `done` or `error`; with `render`, `html_frames` adds the answer's rendering.
Pieces that are waiting in the log when the follower comes to them (the socket lags, or resumes)
go out together, consecutive ones of one kind in one frame whose `seq` is the last one's; a
follower that keeps up sends each piece alone, as it comes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any

from chat import protocol, saving
from chat.conversations import stored
from chat.models import Turn
from chat.replies.admission import running_groups
from chat.replies.html_frames import HtmlFrames, Send
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog
from chat.turn_renderings import saved_rendering

Pace = Callable[[], Awaitable[None]]
# The most characters of text one frame carries when it joins several pieces: a long answer
# resumed from its start goes out in frames of about this size, each as the window allows.
# Even escaped to JSON (12 bytes for a character beyond the BMP), one stays within the 1 MiB
# that daphne sends at most in a message.
FRAME_CHARS = 64 * 1024


class Follower:
    """Sends one reply's frames to one socket; `ended` once the reply's final frame is going out.

    A socket that follows a reply may not ask again until the reply has ended; it learns that
    here, not by looking at what it sends. `pace`, awaited before each frame, holds the
    follower while the socket's client has too much unread (`chat.window`): it then reads no
    more of the log, and goes on from where it is.
    """

    def __init__(
        self,
        log: ReplyLog,
        reply: str,
        after: int,
        render: protocol.Render,
        send: Send,
        pace: Pace | None = None,
    ) -> None:
        self.log = log
        self.reply = reply
        self.after = after
        self.render = render
        self.ended = False
        # Set once the follower is done, whether the reply ended or the following was cut.
        self.finished = asyncio.Event()
        self._send_now = send
        self._pace = pace

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._pace is not None:
            await self._pace()
        await self._send_now(frame)

    async def run(self) -> None:
        log, reply = self.log, self.reply
        await log.join(reply)
        renderer: HtmlFrames | None = None
        renderings: asyncio.Task[None] | None = None
        try:
            # A renderer needs the text before `after` too, so it reads the log from the start.
            batches = log.batches(reply, -1 if self.render else self.after)
            async with aclosing(batches):
                # The start waits for the reply's first entry: by then the log knows which of
                # several candidate backends is answering.
                first = await anext(batches)
                info = await log.info(reply)
                if info is not None:
                    await self._send(start_frame(info))
                if self.render:
                    # The answer's renderings take their turns as its asker's (`fair_queue`).
                    shares = running_groups(info.session, info.address) if info else ()
                    renderer = HtmlFrames(
                        reply,
                        self._send,
                        changes=self.render == "changes",
                        after=self.after,
                        shares=shares,
                    )
                    # Renderings run in a task of this follower's own: pieces go on while a
                    # long answer renders, and text that came just before the upstream paused
                    # is rendered during the pause.
                    renderings = asyncio.create_task(renderer.run())
                await self._forward(first, renderer)
                async for batch in batches:
                    if self.ended:
                        break
                    await self._forward(batch, renderer)
        finally:
            if renderings is not None:
                renderings.cancel()
                await asyncio.gather(renderings, return_exceptions=True)
            self.finished.set()
            await log.leave(reply)

    async def _forward(self, batch: list[Entry], renderer: HtmlFrames | None) -> None:
        """Send a batch of entries: consecutive pieces of one kind go as one frame."""
        after, index, count = self.after, 0, len(batch)
        while index < count:
            entry = batch[index]
            if isinstance(entry, End):
                if renderer:
                    await renderer.finish()
                if self._pace is not None:
                    await self._pace()
                self.ended = True
                await self._send_now(protocol.final(self.reply, entry.ending))
                return
            if entry.seq <= after:
                # The client has it: only the renderer needs it, as the log holds it (not
                # joined, which would copy it for every socket that resumes).
                if renderer and not entry.reasoning:
                    renderer.add(entry)
                index += 1
                continue
            # The longest run of pieces that one frame may carry: of one kind, within
            # FRAME_CHARS (all after `after`: what comes later in a batch has a higher seq).
            parts, size, last, index = [entry.content], len(entry.content), entry, index + 1
            while index < count:
                piece = batch[index]
                if (
                    isinstance(piece, End)
                    or piece.reasoning != entry.reasoning
                    or size + len(piece.content) > FRAME_CHARS
                ):
                    break
                parts.append(piece.content)
                size += len(piece.content)
                last, index = piece, index + 1
            if len(parts) > 1:
                last = Delta(last.seq, "".join(parts), entry.reasoning)
            if renderer and not entry.reasoning:
                renderer.add(last)
            await self._send(
                protocol.delta(self.reply, last.seq, last.content, reasoning=last.reasoning)
            )


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
    turn: Turn, after: int, send: Send, render: protocol.Render = False, pace: Pace | None = None
) -> None:
    """Answer a resume from the database once the log no longer has the reply.

    Saved text has no seqs: a client that has nothing gets the thinking and the answer each
    whole, as one `reasoning` and one `delta` frame, and the stored rendering; the final frame,
    the same as the live one, carries the whole text for a client that had part of it. Each
    frame waits for `pace` first, and the text it carries is read only then: of a turn loaded
    without its texts (`conversations.turn_of`), a socket whose client stopped reading holds
    none while it waits.
    """
    reply = turn.reply_id

    async def paced(frame: Callable[[], Awaitable[dict[str, Any] | None]]) -> None:
        if pace is not None:
            await pace()
        made = await frame()
        if made is not None:
            await send(made)

    async def start() -> dict[str, Any]:
        return protocol.start(
            reply,
            conversation=str(turn.conversation_id),
            title=turn.conversation.title,
            question=turn.question,
            model=turn.model,
            provider=turn.provider or None,
            left_out=turn.left_out,
            first_token_ms=(turn.stats or {}).get("first_token_ms"),
        )

    seq, answered = 0, False

    async def thinking() -> dict[str, Any] | None:
        nonlocal seq
        text = await stored(turn, "reasoning")
        if not text:
            return None
        seq = 1
        return protocol.delta(reply, 0, text, reasoning=True)

    async def answer() -> dict[str, Any] | None:
        nonlocal answered
        text = await stored(turn, "answer")
        answered = bool(text)
        return protocol.delta(reply, seq, text) if text else None

    async def rendering() -> dict[str, Any] | None:
        markup = await saved_rendering(turn)
        if not protocol.html_fits(markup):
            return None
        return protocol.html(reply, seq, markup, keep=0 if render == "changes" else None)

    async def final() -> dict[str, Any]:
        return protocol.final(reply, await saving.ending_of(await _whole(turn)))

    await paced(start)
    if after < 0:
        await paced(thinking)
        await paced(answer)
        if render and answered:
            await paced(rendering)
    await paced(final)


async def _whole(turn: Turn) -> Turn:
    """The turn with every field loaded: the one given if it is."""
    if not turn.get_deferred_fields():
        return turn
    return await Turn.objects.select_related("conversation").aget(pk=turn.pk)
