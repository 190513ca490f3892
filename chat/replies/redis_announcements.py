"""Announcements across worker processes, through one Redis Stream that every worker reads.

Each worker that has sockets watching a conversation reads the stream in one task of its own
(one blocking read per worker, not per socket) and hands each announcement to its watchers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import cast

from chat.replies.announcements import Announcements
from chat.replies.log import ReplyInfo
from chat.replies.redis_common import PREFIX, LoopClients, StreamEntries, Streams

STREAM = f"{PREFIX}announcements"
# Announcements are heard as they happen: a few recent ones are all the stream needs to keep.
KEEP = 1_000
BLOCK_MS = 2_000


class RedisAnnouncements(Announcements):
    def __init__(self, url: str) -> None:
        super().__init__()
        self._clients = LoopClients(url)
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    async def announce(self, info: ReplyInfo) -> None:
        await self._clients.get().xadd(
            STREAM, {"info": json.dumps(info.as_dict())}, maxlen=KEEP, approximate=True
        )

    async def watching(self) -> None:
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.create_task(self._read(self._ready))
        assert self._ready is not None
        await self._ready.wait()

    async def unwatched(self) -> None:
        if not self.watched() and self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    async def _read(self, ready: asyncio.Event) -> None:
        client = self._clients.get()
        newest = cast(StreamEntries, await client.xrevrange(STREAM, count=1))
        last_id = newest[0][0] if newest else "0-0"
        ready.set()
        while True:
            answer = cast(Streams, await client.xread({STREAM: last_id}, block=BLOCK_MS, count=100))
            for _stream, entries in answer:
                for entry_id, fields in entries:
                    last_id = entry_id
                    self.deliver(ReplyInfo(**json.loads(fields["info"])))
