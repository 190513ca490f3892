"""The reply log inside this process, used when no `REDIS_URL` is set.

Ended replies are forgotten after minutes and within a byte budget (see `retention`); the
database answers for them then.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal

from chat.endings import Ending
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog
from chat.replies.retention import PIECE_OVERHEAD, Retention

# The most entries one read takes: what a reader holds at once stays small, however far behind.
BATCH = 1000


@dataclass
class _Record:
    info: ReplyInfo
    deltas: list[Delta] = field(default_factory=list)
    ending: Ending | None = None
    # About how many bytes the record holds, and the running-reply groups it counts in.
    size: int = 0
    groups: list[str] = field(default_factory=list)
    followers: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Readers waiting for the next entry: woken, and dropped, by the next append or the end.
    readers: list[asyncio.Future[None]] = field(default_factory=list)
    followers_changed: asyncio.Event = field(default_factory=asyncio.Event)

    def changed(self) -> None:
        # Nothing to do for a reply nobody waits on: appends cost no more than that.
        if self.readers:
            readers, self.readers = self.readers, []
            for reader in readers:
                if not reader.done():
                    reader.set_result(None)

    def notify(self, attribute: str) -> None:
        # Waiters hold the old event; replacing it before setting wakes each of them once.
        old = getattr(self, attribute)
        setattr(self, attribute, asyncio.Event())
        old.set()


class MemoryReplyLog(ReplyLog):
    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}
        self._running: dict[str, str] = {}  # conversation -> its latest reply
        self._groups: dict[str, set[str]] = {}  # a session's, an address's running replies
        self._claimed: dict[str, list[str]] = {}  # replies claimed, not yet open: their groups
        self._retention = Retention(self._forget, lambda reply: self._records[reply].followers > 0)

    async def open(self, info: ReplyInfo) -> bool:
        if info.reply in self._records:
            return False
        self._retention.sweep()
        size = PIECE_OVERHEAD + len(info.question)
        groups = self._claimed.pop(info.reply, [])
        self._records[info.reply] = _Record(info=info, size=size, groups=groups)
        return True

    async def info(self, reply: str) -> ReplyInfo | None:
        record = self._records.get(reply)
        return None if record is None else record.info

    async def began(self, reply: str, provider: str | None, first_token_ms: int | None) -> None:
        record = self._records[reply]
        record.info = record.info.began(provider, first_token_ms)

    async def claim(self, conversation: str, reply: str) -> bool:
        latest = self._records.get(self._running.get(conversation, ""))
        if latest is not None and latest.ending is None and latest.info.reply != reply:
            return False
        self._running[conversation] = reply
        return True

    async def release(self, conversation: str, reply: str) -> None:
        if self._running.get(conversation) == reply:
            del self._running[conversation]

    async def claim_running(self, groups: list[tuple[str, int]], reply: str) -> bool:
        for key, cap in groups:
            members = self._groups.setdefault(key, set())
            members -= {r for r in members if not self._runs(r)}
            if len(members) >= cap:
                return False
        for key, _ in groups:
            self._groups[key].add(reply)
        self._claimed[reply] = [key for key, _ in groups]
        return True

    async def release_running(self, groups: list[tuple[str, int]], reply: str) -> None:
        self._claimed.pop(reply, None)
        self._stop_counting(reply, [key for key, _ in groups])

    def _stop_counting(self, reply: str, groups: list[str]) -> None:
        for key in groups:
            members = self._groups.get(key)
            if members is not None:
                members.discard(reply)
                if not members:
                    del self._groups[key]

    def _runs(self, reply: str) -> bool:
        record = self._records.get(reply)
        # Claimed and not opened yet (its turn is being stored), or opened and not ended.
        return reply in self._claimed if record is None else record.ending is None

    async def append(self, reply: str, delta: Delta) -> None:
        record = self._records[reply]
        record.deltas.append(delta)
        record.size += PIECE_OVERHEAD + len(delta.content)
        record.changed()

    async def close(self, reply: str, ending: Ending) -> None:
        record = self._records[reply]
        record.ending = ending
        # The ending repeats the whole text and thinking.
        record.size += len(ending.text) + len(ending.reasoning)
        record.changed()
        self._stop_counting(reply, record.groups)
        self._retention.ended(reply, record.size)

    async def has_ended(self, reply: str) -> bool:
        record = self._records.get(reply)
        return record is None or record.ending is not None

    async def batches(self, reply: str, after: int) -> AsyncGenerator[list[Entry], None]:
        record = self._records[reply]
        seq = after + 1
        while True:
            if seq < len(record.deltas) or record.ending is not None:
                batch: list[Entry] = list(record.deltas[seq : seq + BATCH])
                seq += len(batch)
                if seq >= len(record.deltas) and record.ending is not None:
                    batch.append(End(record.ending))
                    yield batch
                    return
                yield batch
            else:
                reader = asyncio.get_running_loop().create_future()
                record.readers.append(reader)
                await reader

    async def join(self, reply: str) -> None:
        record = self._records[reply]
        record.followers += 1
        record.notify("followers_changed")

    async def leave(self, reply: str) -> None:
        record = self._records.get(reply)
        if record is not None:
            record.followers -= 1
            record.notify("followers_changed")
            if record.ending is not None and record.followers <= 0:
                self._retention.sweep()  # kept for its reader, perhaps beyond the budget

    async def request_stop(self, reply: str) -> None:
        record = self._records.get(reply)
        if record is not None:
            record.stop.set()

    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        record = self._records[reply]
        stop = asyncio.ensure_future(record.stop.wait())
        change: asyncio.Task[Literal[True]] | None = None
        try:
            while True:
                timeout = None if record.followers > 0 else grace
                change = asyncio.ensure_future(record.followers_changed.wait())
                finished, _ = await asyncio.wait(
                    {stop, change}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                change.cancel()
                if stop in finished:
                    return "stop"
                if not finished and record.followers <= 0:
                    return "abandoned"
        finally:
            # Both, however this ends: a wait left pending is destroyed with its loop, noisily.
            stop.cancel()
            if change is not None:
                change.cancel()

    async def forget(self, reply: str) -> None:
        self._forget(reply)

    def _forget(self, reply: str) -> None:
        self._retention.dropped(reply)
        record = self._records.pop(reply, None)
        if record is None:
            return
        self._stop_counting(reply, record.groups)
        if self._running.get(record.info.conversation) == reply:
            del self._running[record.info.conversation]
