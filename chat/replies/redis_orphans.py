"""Replies whose worker died, in the Redis reply log: noticed by a follower, and ended.

The worker running a reply renews a lease on it while it runs. A follower that finds the Stream
silent, unended and the lease lapsed knows that worker died: it ends the reply with an
`interrupted` error, with all the text the Stream has, so no follower, on any worker, waits for
an end that will never come.
"""

from __future__ import annotations

import json
from typing import cast

import redis.asyncio as redis
from django.conf import settings

from chat.endings import WORKER_DIED, interrupted
from chat.replies.log import ReplyInfo
from chat.replies.redis_common import INTERRUPTED, StreamEntries, key


async def orphaned(client: redis.Redis, reply: str) -> bool:
    """Whether the reply's worker has let its lease lapse before the reply ended."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.exists(key(reply, "alive"))
        pipe.exists(key(reply, "ended"))
        alive, ended = await pipe.execute()
    return not alive and not ended


async def end(client: redis.Redis, reply: str) -> None:
    """End the orphaned reply as interrupted, unless another follower has just done so."""
    ttl = int(settings.STREAMDEMO_REPLY_TTL)
    # Of several followers that notice at once, the one that sets `ended` writes the end.
    if not await client.set(key(reply, "ended"), INTERRUPTED, nx=True, ex=ttl):
        return
    raw = await client.get(key(reply, "meta"))
    info = None if raw is None else ReplyInfo(**json.loads(raw))
    entries = [fields for _id, fields in cast(StreamEntries, await client.xrange(key(reply)))]
    ending = interrupted(
        "".join(fields["content"] for fields in entries if "reasoning" not in fields),
        reasoning="".join(fields["content"] for fields in entries if "reasoning" in fields),
        model=info.model if info else "",
        provider=info.provider if info else None,
        message=WORKER_DIED,
    )
    async with client.pipeline(transaction=True) as pipe:
        pipe.xadd(key(reply), {"end": json.dumps(ending.as_dict())})
        for suffix in ("", "meta", "followers"):
            pipe.expire(key(reply, suffix), ttl)
        await pipe.execute()
