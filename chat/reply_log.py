"""The per-reply log: every delta of a reply with its index, then how the reply ended.

A reply outlives the socket that asked for it, so its text lives here and not in any socket:
followers replay it from any index and then wait for the live tail. This module holds the
interface and the in-process log used when no `REDIS_URL` is set; `reply_log_redis` keeps the
same log in Redis Streams so that another worker process can follow it.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Delta:
    seq: int
    content: str


@dataclass(frozen=True)
class End:
    frame: dict[str, Any]


Entry = Delta | End


class ReplyLog(ABC):
    @abstractmethod
    async def open(self, reply: str, meta: dict[str, Any]) -> None:
        """Begin the log of a reply; `meta` is what followers need to know of it (its start)."""

    @abstractmethod
    async def meta(self, reply: str) -> dict[str, Any] | None: ...

    @abstractmethod
    async def update_meta(self, reply: str, **fields: Any) -> None: ...

    @abstractmethod
    async def append(self, reply: str, delta: Delta) -> None: ...

    @abstractmethod
    async def close(self, reply: str, frame: dict[str, Any]) -> None:
        """Record the reply's final `done` or `error` frame; followers end after it."""

    @abstractmethod
    async def has_ended(self, reply: str) -> bool: ...

    @abstractmethod
    async def forget(self, reply: str) -> None:
        """Drop the reply from the log (the database still has its text)."""

    @abstractmethod
    def entries(self, reply: str, after: int) -> AsyncIterator[Entry]:
        """Every delta with seq > `after`, then the live tail, then the `End`."""

    @abstractmethod
    async def join(self, reply: str) -> None:
        """A socket starts following the reply."""

    @abstractmethod
    async def leave(self, reply: str) -> None: ...

    @abstractmethod
    async def request_stop(self, reply: str) -> None: ...

    @abstractmethod
    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        """Return "stop" once a stop is asked for, or "abandoned" once no socket has followed
        the reply for `grace` seconds; never returns while the reply is wanted."""


@dataclass
class _Record:
    meta: dict[str, Any]
    deltas: list[str] = field(default_factory=list)
    end: dict[str, Any] | None = None
    ended_at: float | None = None
    followers: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    followers_changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self, attribute: str = "changed") -> None:
        # Waiters hold the old event; replacing it before setting wakes each of them once.
        old = getattr(self, attribute)
        setattr(self, attribute, asyncio.Event())
        old.set()


class MemoryReplyLog(ReplyLog):
    """The log inside this process; ended replies are forgotten after `STREAMDEMO_REPLY_TTL`."""

    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}

    async def open(self, reply: str, meta: dict[str, Any]) -> None:
        self._forget_expired()
        self._records[reply] = _Record(meta=meta)

    async def meta(self, reply: str) -> dict[str, Any] | None:
        record = self._records.get(reply)
        return None if record is None else record.meta

    async def update_meta(self, reply: str, **fields: Any) -> None:
        self._records[reply].meta.update(fields)

    async def append(self, reply: str, delta: Delta) -> None:
        record = self._records[reply]
        record.deltas.append(delta.content)
        record.notify()

    async def close(self, reply: str, frame: dict[str, Any]) -> None:
        record = self._records[reply]
        record.end, record.ended_at = frame, time.monotonic()
        record.notify()

    async def has_ended(self, reply: str) -> bool:
        record = self._records.get(reply)
        return record is None or record.end is not None

    async def entries(self, reply: str, after: int) -> AsyncIterator[Entry]:
        record = self._records[reply]
        seq = after + 1
        while True:
            changed = record.changed
            while seq < len(record.deltas):
                yield Delta(seq, record.deltas[seq])
                seq += 1
            if record.end is not None:
                yield End(record.end)
                return
            await changed.wait()

    async def join(self, reply: str) -> None:
        record = self._records[reply]
        record.followers += 1
        record.notify("followers_changed")

    async def leave(self, reply: str) -> None:
        record = self._records.get(reply)
        if record is not None:
            record.followers -= 1
            record.notify("followers_changed")

    async def request_stop(self, reply: str) -> None:
        record = self._records.get(reply)
        if record is not None:
            record.stop.set()

    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        record = self._records[reply]
        stop = asyncio.ensure_future(record.stop.wait())
        try:
            while True:
                if record.followers > 0:
                    waiting = record.followers_changed.wait()
                    timeout = None
                else:
                    waiting, timeout = record.followers_changed.wait(), grace
                change = asyncio.ensure_future(waiting)
                finished, _ = await asyncio.wait(
                    {stop, change}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                change.cancel()
                if stop in finished:
                    return "stop"
                if not finished and record.followers <= 0:
                    return "abandoned"
        finally:
            stop.cancel()

    async def forget(self, reply: str) -> None:
        self._records.pop(reply, None)

    def _forget_expired(self) -> None:
        cutoff = time.monotonic() - settings.STREAMDEMO_REPLY_TTL
        expired = [
            key
            for key, record in self._records.items()
            if record.ended_at is not None and record.ended_at < cutoff
        ]
        for key in expired:
            del self._records[key]


_log: ReplyLog | None = None


def get_reply_log() -> ReplyLog:
    """The process's log: in Redis when `REDIS_URL` is set, else in memory."""
    global _log
    if _log is None:
        if settings.REDIS_URL:
            from chat.reply_log_redis import RedisReplyLog

            _log = RedisReplyLog(settings.REDIS_URL)
        else:
            _log = MemoryReplyLog()
    return _log
