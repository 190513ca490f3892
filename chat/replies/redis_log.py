"""The reply log in Redis: one Stream per reply, so any worker process can replay and follow it.

Followers read the text from the Stream itself (XREAD BLOCK), never from channel-layer fan-out,
which drops messages over capacity. The Stream is capped (MAXLEN) and expires.

The worker running a reply renews a lease on it while it runs. A follower that finds the Stream
silent, unended and the lease lapsed knows that worker died: it ends the reply with an
`interrupted` error, so no follower, on any worker, waits for an end that will never come.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import cast

import redis.asyncio as redis
from django.conf import settings

from chat.endings import Ending, interrupted
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog

# What XRANGE and XREAD answer, with responses decoded: (id, fields) of each entry, by stream.
StreamEntries = list[tuple[str, dict[str, str]]]
Streams = list[tuple[str, StreamEntries]]

PREFIX = "streamdemo:reply:"
BLOCK_MS = 2_000
# How often a running reply looks for a stop or for followers on other processes.
WATCH_INTERVAL = 0.2
# The `ended` mark of a reply that a follower ended because its worker's lease lapsed.
INTERRUPTED = "interrupted"


class RedisReplyLog(ReplyLog):
    def __init__(self, url: str, block_ms: int = BLOCK_MS) -> None:
        self._url = url
        self._block_ms = block_ms
        self._clients: dict[asyncio.AbstractEventLoop, redis.Redis] = {}

    @property
    def _redis(self) -> redis.Redis:
        # A redis client's connections belong to the event loop that made them.
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # A read that blocks for new entries must not outlast the socket's own timeout.
            client = redis.Redis.from_url(
                self._url, decode_responses=True, socket_timeout=self._block_ms / 1000 + 5
            )
            self._clients = {
                loop: client,
                **{k: v for k, v in self._clients.items() if not k.is_closed()},
            }
        return client

    async def open(self, info: ReplyInfo) -> None:
        ttl = int(settings.STREAMDEMO_REPLY_TTL)
        reply = info.reply
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_key(reply, "meta"), json.dumps(info.as_dict()), ex=ttl)
            pipe.set(_key(reply, "followers"), 0, ex=ttl)
            pipe.set(_key(reply, "alive"), 1, px=_lease_ms())
            await pipe.execute()

    async def info(self, reply: str) -> ReplyInfo | None:
        raw = await self._redis.get(_key(reply, "meta"))
        return None if raw is None else ReplyInfo(**json.loads(raw))

    async def answered_by(self, reply: str, provider: str | None) -> None:
        info = await self.info(reply)
        if info is not None:
            await self._redis.set(
                _key(reply, "meta"),
                json.dumps(info.answered_by(provider).as_dict()),
                ex=int(settings.STREAMDEMO_REPLY_TTL),
            )

    async def append(self, reply: str, delta: Delta) -> None:
        fields = {"seq": delta.seq, "content": delta.content}
        if delta.reasoning:
            fields["reasoning"] = 1
        await self._redis.xadd(
            _key(reply),
            fields,  # type: ignore[arg-type]  # redis-py takes ints as field values
            maxlen=settings.STREAMDEMO_REPLY_MAX_DELTAS,
            approximate=False,
        )

    async def close(self, reply: str, ending: Ending) -> None:
        ttl = int(settings.STREAMDEMO_REPLY_TTL)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(_key(reply), {"end": json.dumps(ending.as_dict())})
            pipe.set(_key(reply, "ended"), 1, ex=ttl)
            for suffix in ("", "meta", "followers"):
                pipe.expire(_key(reply, suffix), ttl)
            await pipe.execute()

    async def forget(self, reply: str) -> None:
        suffixes = ("", "meta", "followers", "stop", "ended", "alive")
        await self._redis.delete(*(_key(reply, suffix) for suffix in suffixes))

    async def has_ended(self, reply: str) -> bool:
        return bool(await self._redis.exists(_key(reply, "ended")))

    async def entries(self, reply: str, after: int) -> AsyncGenerator[Entry, None]:
        last_id = "0-0"
        while True:
            answer = cast(
                Streams,
                await self._redis.xread({_key(reply): last_id}, block=self._block_ms, count=500),
            )
            if not answer and await self._orphaned(reply):
                await self._end_orphan(reply)
                continue
            for _stream, messages in answer:
                for message_id, fields in messages:
                    last_id = message_id
                    if "end" in fields:
                        yield End(Ending.from_dict(json.loads(fields["end"])))
                        return
                    seq = int(fields["seq"])
                    if seq > after:
                        yield Delta(seq, fields["content"], "reasoning" in fields)

    async def join(self, reply: str) -> None:
        await self._redis.incr(_key(reply, "followers"))

    async def leave(self, reply: str) -> None:
        await self._redis.decr(_key(reply, "followers"))

    async def request_stop(self, reply: str) -> None:
        await self._redis.set(_key(reply, "stop"), 1, ex=int(settings.STREAMDEMO_REPLY_TTL))

    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        unwatched_since: float | None = None
        while True:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.exists(_key(reply, "stop"))
                pipe.get(_key(reply, "followers"))
                pipe.set(_key(reply, "alive"), 1, px=_lease_ms())
                pipe.get(_key(reply, "ended"))
                stop, followers, _, ended = await pipe.execute()
            if stop:
                return "stop"
            if ended == INTERRUPTED:
                # Its lease lapsed (this worker's loop stalled) and a follower ended the reply.
                return "ended elsewhere"
            now = time.monotonic()
            if int(followers or 0) > 0:
                unwatched_since = None
            elif unwatched_since is None:
                unwatched_since = now
            if unwatched_since is not None and now - unwatched_since >= grace:
                return "abandoned"
            await asyncio.sleep(WATCH_INTERVAL)

    async def _orphaned(self, reply: str) -> bool:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.exists(_key(reply, "alive"))
            pipe.exists(_key(reply, "ended"))
            alive, ended = await pipe.execute()
        return not alive and not ended

    async def _end_orphan(self, reply: str) -> None:
        ttl = int(settings.STREAMDEMO_REPLY_TTL)
        # Of several followers that notice at once, the one that sets `ended` writes the end.
        if await self._redis.set(_key(reply, "ended"), INTERRUPTED, nx=True, ex=ttl):
            info = await self.info(reply)
            entries = [
                fields for _id, fields in cast(StreamEntries, await self._redis.xrange(_key(reply)))
            ]
            ending = interrupted(
                "".join(fields["content"] for fields in entries if "reasoning" not in fields),
                reasoning="".join(fields["content"] for fields in entries if "reasoning" in fields),
                model=info.model if info else "",
                provider=info.provider if info else None,
                why="The server answering this stopped before the answer ended",
            )
            await self._redis.xadd(_key(reply), {"end": json.dumps(ending.as_dict())})


def _lease_ms() -> int:
    return int(settings.STREAMDEMO_WORKER_LEASE_SECONDS * 1000)


def _key(reply: str, suffix: str = "") -> str:
    return f"{PREFIX}{reply}:{suffix}" if suffix else f"{PREFIX}{reply}"
