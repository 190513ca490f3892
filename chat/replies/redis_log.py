"""The reply log in Redis: one Stream per reply, so any worker process can replay and follow it.

Followers read the text from the Stream itself (XREAD BLOCK), never from channel-layer fan-out,
which drops messages over capacity. The Stream is capped (MAXLEN) and expires.

While a reply runs, its keys expire `RUNNING_KEYS_SECONDS` after the worker running it last
renewed them; once it has ended, `STREAMDEMO_REPLY_TTL` after its end, or sooner to keep within
a budget of bytes (`redis_retention`).

The worker running a reply renews a lease on it while it runs; a follower that finds the lease
lapsed ends the reply (`redis_orphans`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import cast

import redis.asyncio as redis
from django.conf import settings

from chat.endings import Ending
from chat.replies import redis_claims, redis_orphans, redis_retention
from chat.replies.log import Delta, End, Entry, ReplyInfo, ReplyLog
from chat.replies.redis_claims import RENEW_INTERVAL, RUNNING_KEYS_SECONDS, renew_running
from chat.replies.redis_common import INTERRUPTED, LoopClients, Streams, key, lease_ms

BLOCK_MS = 2_000
# The most entries one read takes: one wake-up of a reader for that many, and what it holds.
BATCH = 500
# How often a running reply looks for a stop or for followers on other processes.
WATCH_INTERVAL = 0.2


class RedisReplyLog(ReplyLog):
    def __init__(self, url: str, block_ms: int = BLOCK_MS) -> None:
        self._block_ms = block_ms
        self._clients = LoopClients(url)

    @property
    def _redis(self) -> redis.Redis:
        return self._clients.get()

    async def open(self, info: ReplyInfo) -> bool:
        reply, meta = info.reply, json.dumps(info.as_dict())
        if not await self._redis.set(key(reply, "meta"), meta, ex=RUNNING_KEYS_SECONDS, nx=True):
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key(reply, "followers"), 0, ex=RUNNING_KEYS_SECONDS)
            pipe.set(key(reply, "alive"), 1, px=lease_ms())
            await pipe.execute()
        return True

    async def info(self, reply: str) -> ReplyInfo | None:
        raw = await self._redis.get(key(reply, "meta"))
        return None if raw is None else ReplyInfo(**json.loads(raw))

    async def began(self, reply: str, provider: str | None, first_token_ms: int | None) -> None:
        info = await self.info(reply)
        if info is not None:
            began = info.began(provider, first_token_ms)
            meta = json.dumps(began.as_dict())
            await self._redis.set(key(reply, "meta"), meta, ex=RUNNING_KEYS_SECONDS)

    async def claim(self, conversation: str, reply: str) -> bool:
        return await redis_claims.claim(self._redis, conversation, reply)

    async def release(self, conversation: str, reply: str) -> None:
        await redis_claims.release(self._redis, conversation, reply)

    async def claim_running(self, groups: list[tuple[str, int]], reply: str) -> bool:
        return await redis_claims.claim_running(self._redis, groups, reply)

    async def release_running(self, groups: list[tuple[str, int]], reply: str) -> None:
        await redis_claims.release_running(self._redis, groups, reply)

    async def append(self, reply: str, delta: Delta) -> None:
        fields = {"seq": delta.seq, "content": delta.content}
        if delta.reasoning:
            fields["reasoning"] = 1
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(
                key(reply),
                fields,  # type: ignore[arg-type]  # redis-py takes ints as field values
                maxlen=settings.STREAMDEMO_REPLY_MAX_DELTAS,
                approximate=False,
            )
            if delta.seq == 0:
                # The Stream exists from its first entry on: from then on it expires too.
                pipe.expire(key(reply), RUNNING_KEYS_SECONDS)
            await pipe.execute()

    async def close(self, reply: str, ending: Ending) -> None:
        ttl = int(settings.STREAMDEMO_REPLY_TTL)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(key(reply), {"end": json.dumps(ending.as_dict())})
            pipe.set(key(reply, "ended"), 1, ex=ttl)
            for suffix in ("", "meta", "followers"):
                pipe.expire(key(reply, suffix), ttl)
            await pipe.execute()
        pieces = int(ending.stats.get("chunks") or 0) if ending.stats else 0
        size = redis_retention.size_of(ending.text, ending.reasoning, pieces)
        await redis_retention.ended(self._redis, reply, size)

    async def forget(self, reply: str) -> None:
        suffixes = ("", "meta", "followers", "stop", "ended", "alive")
        await self._redis.delete(*(key(reply, suffix) for suffix in suffixes))

    async def has_ended(self, reply: str) -> bool:
        # A reply the log has let go (its keys expired) ended long ago.
        ended, known = await self._redis.mget(key(reply, "ended"), key(reply, "meta"))
        return ended is not None or known is None

    async def batches(self, reply: str, after: int) -> AsyncGenerator[list[Entry], None]:
        last_id = "0-0"
        while True:
            answer = cast(
                Streams,
                await self._redis.xread({key(reply): last_id}, block=self._block_ms, count=BATCH),
            )
            if not answer and await redis_orphans.orphaned(self._redis, reply):
                await redis_orphans.end(self._redis, reply)
                continue
            batch: list[Entry] = []
            for _stream, messages in answer:
                for message_id, fields in messages:
                    last_id = message_id
                    if "end" in fields:
                        batch.append(End(Ending.from_dict(json.loads(fields["end"]))))
                        yield batch
                        return
                    seq = int(fields["seq"])
                    if seq > after:
                        batch.append(Delta(seq, fields["content"], "reasoning" in fields))
            if batch:
                yield batch

    async def join(self, reply: str) -> None:
        await self._redis.incr(key(reply, "followers"))

    async def leave(self, reply: str) -> None:
        await self._redis.decr(key(reply, "followers"))

    async def request_stop(self, reply: str) -> None:
        await self._redis.set(key(reply, "stop"), 1, ex=int(settings.STREAMDEMO_REPLY_TTL))

    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        unwatched_since: float | None = None
        info = await self.info(reply)
        renewed = time.monotonic()
        while True:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.exists(key(reply, "stop"))
                pipe.get(key(reply, "followers"))
                pipe.set(key(reply, "alive"), 1, px=lease_ms())
                pipe.get(key(reply, "ended"))
                if time.monotonic() - renewed >= RENEW_INTERVAL:
                    renewed = time.monotonic()
                    renew_running(pipe, reply, info.conversation if info else None)
                stop, followers, _, ended, *_ = await pipe.execute()
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
