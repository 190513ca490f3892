"""Replies that outlive the socket that asked for them.

Each reply streams from `astream_answer` into the reply log in a task this process owns, not
the socket: it runs until the answer ends, a stop is asked for (from any socket following it),
or nobody has followed it for `STREAMDEMO_REPLY_GRACE_SECONDS`. Its end is recorded in the log
and handed to `on_end` (which saves it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chat import protocol
from chat.completions import Backend, CompletionError, Messages, astream_answer
from chat.reply_log import Delta, ReplyLog, get_reply_log

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ended:
    """How a reply ended: its whole text, a status for the record, and its final frame."""

    reply: str
    text: str
    status: str  # "done", "stopped" or "failed"
    frame: dict[str, Any]


OnEnd = Callable[[Ended], Awaitable[None]]


class Replies:
    """The owner of every reply task in this process."""

    def __init__(self, log: ReplyLog) -> None:
        self.log = log
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def running(self) -> int:
        loop = asyncio.get_running_loop()
        return sum(1 for t in self._tasks.values() if not t.done() and t.get_loop() is loop)

    async def start(
        self,
        reply: str,
        backend: Backend,
        messages: Messages,
        meta: dict[str, Any],
        on_end: OnEnd,
    ) -> None:
        await self.log.open(reply, meta)
        task = asyncio.create_task(self._run(reply, backend, messages, on_end), name=reply)
        self._tasks[reply] = task
        task.add_done_callback(lambda _: self._tasks.pop(reply, None))

    async def until_idle(self) -> None:
        """Wait for this loop's replies to end (they end by themselves, or by stop or grace)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *[t for t in self._tasks.values() if t.get_loop() is loop], return_exceptions=True
        )

    async def stop(self, reply: str) -> None:
        await self.log.request_stop(reply)

    async def shutdown(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, reply: str, backend: Backend, messages: Messages, on_end: OnEnd) -> None:
        relay = asyncio.create_task(self._relay(reply, backend, messages, on_end))
        watch = asyncio.create_task(
            self.log.until_stopped_or_abandoned(reply, settings.STREAMDEMO_REPLY_GRACE_SECONDS)
        )
        try:
            await asyncio.wait({relay, watch}, return_when=asyncio.FIRST_COMPLETED)
            if watch.done() and not watch.cancelled() and watch.exception() is None:
                logger.info("reply %s ends early: %s", reply, watch.result())
        finally:
            for task in (relay, watch):
                task.cancel()
            await asyncio.gather(relay, watch, return_exceptions=True)

    async def _relay(self, reply: str, backend: Backend, messages: Messages, on_end: OnEnd) -> None:
        clock = _Stopwatch()
        parts: list[str] = []
        stream = astream_answer(messages, backend)
        ended: Ended | None = None
        try:
            async for content in stream:
                if not parts and stream.used is not None and stream.used.label != backend.label:
                    # Of several candidates, the start frame names the one that answered.
                    await self.log.update_meta(reply, provider=stream.used.label)
                clock.chunk()
                await self.log.append(reply, Delta(len(parts), content))
                parts.append(content)
            outcome = stream.outcome
            frame = protocol.done(
                reply,
                outcome.finish_reason if outcome else "stop",
                provider=outcome.provider if outcome else backend.label,
                model=outcome.model if outcome else backend.model,
                usage=outcome.usage if outcome else None,
                stats=clock.stats(),
            )
            ended = Ended(reply, "".join(parts), "done", frame)
        except asyncio.CancelledError:
            await stream.aclose()
            frame = protocol.done(
                reply,
                "stopped",
                provider=(stream.used or backend).label,
                model=backend.model,
                usage=None,
                stats=clock.stats(),
            )
            ended = Ended(reply, "".join(parts), "stopped", frame)
            raise
        except CompletionError as error:
            logger.warning("reply %s failed: %s", reply, error)
            frame = protocol.error(reply, error.code, str(error))
            ended = Ended(reply, "".join(parts), "failed", frame)
        finally:
            if ended is not None:
                await self.log.close(reply, ended.frame)
                await on_end(ended)


class _Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first: float | None = None
        self.chunks = 0

    def chunk(self) -> None:
        if self.first is None:
            self.first = time.monotonic()
        self.chunks += 1

    def stats(self) -> dict[str, float | int | None]:
        now = time.monotonic()
        streaming = now - self.first if self.first is not None else 0.0
        return {
            "first_token_ms": None
            if self.first is None
            else round((self.first - self.started) * 1000),
            "total_ms": round((now - self.started) * 1000),
            "chunks": self.chunks,
            "chunks_per_second": round(self.chunks / streaming, 1) if streaming > 0 else None,
        }


_replies: Replies | None = None


def get_replies() -> Replies:
    global _replies
    if _replies is None:
        _replies = Replies(get_reply_log())
    return _replies
