"""The limits kept in Redis, so that every worker process counts the same visitor the same way.

A token bucket is a hash (tokens, when) taken from atomically with its siblings by a script, and
expires once it would be full again. A group of sockets is a sorted set of socket ids scored by
when each one's lease ends: the worker holding a socket renews its lease while it is open, so
the sockets of a worker that died stop counting within `SOCKET_LEASE_SECONDS`.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from chat.limits.policy import Group, Limits
from chat.replies.redis_common import LoopClients
from chat.token_buckets import Bucket

PREFIX = "streamdemo:limits:"
SOCKET_LEASE_SECONDS = 60.0
RENEW_EVERY_SECONDS = SOCKET_LEASE_SECONDS / 3

# KEYS: the buckets. ARGV[1]: now (s); then each bucket's capacity and tokens a second.
TAKE = """
local now = tonumber(ARGV[1])
local levels = {}
for i, key in ipairs(KEYS) do
  local burst, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
  levels[i] = math.min(burst, tokens + math.max(0, now - at) * rate)
  if levels[i] < 1 then return 0 end
end
for i, key in ipairs(KEYS) do
  local burst, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('HSET', key, 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
  if rate > 0 then
    redis.call('PEXPIRE', key, math.ceil((burst - levels[i] + 1) / rate * 1000) + 1000)
  else
    redis.call('EXPIRE', key, 86400)
  end
end
return 1
"""

# KEYS: the groups. ARGV[1]: the member; ARGV[2]: now (ms); ARGV[3]: lease (ms); then each
# group's cap. Members whose lease has ended no longer count.
ENTER = """
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[1])
  redis.call('PEXPIRE', key, lease)
end
return 1
"""


class RedisLimits(Limits):
    def __init__(self, url: str) -> None:
        self._clients = LoopClients(url)
        # The sockets this process holds, with their groups' keys: their leases are renewed.
        self._held: dict[str, list[str]] = {}
        self._renewing: asyncio.Task[None] | None = None

    @property
    def _redis(self) -> redis.Redis:
        return self._clients.get()

    async def _take(self, buckets: list[Bucket], now: float) -> bool:
        keys = [PREFIX + key for key, _, _ in buckets]
        rates = [str(value) for _, burst, rate in buckets for value in (burst, rate / 60)]
        return bool(await self._redis.eval(TAKE, len(keys), *keys, str(now), *rates))

    async def _enter(self, groups: list[Group], member: str, now: float) -> bool:
        keys = [PREFIX + key for key, _ in groups]
        caps = [str(cap) for _, cap in groups]
        lease = int(SOCKET_LEASE_SECONDS * 1000)
        args = [member, str(int(now * 1000)), str(lease), *caps]
        if not await self._redis.eval(ENTER, len(keys), *keys, *args):
            return False
        self._held[member] = keys
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(self._renew_while_held())
        return True

    async def _leave(self, groups: list[Group], member: str) -> None:
        self._held.pop(member, None)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, _ in groups:
                pipe.zrem(PREFIX + key, member)
            await pipe.execute()
        if not self._held and self._renewing is not None:
            renewing, self._renewing = self._renewing, None
            if renewing is not asyncio.current_task():
                renewing.cancel()
                # Whatever ended it (Redis gone, say), the socket's close goes on.
                await asyncio.gather(renewing, return_exceptions=True)

    async def _renew_while_held(self) -> None:
        while self._held:
            await asyncio.sleep(RENEW_EVERY_SECONDS)
            lease = int(SOCKET_LEASE_SECONDS * 1000)
            until = int(self.clock() * 1000) + lease
            async with self._redis.pipeline(transaction=False) as pipe:
                for member, keys in list(self._held.items()):
                    for key in keys:
                        pipe.zadd(key, {member: until}, xx=True)
                        pipe.pexpire(key, lease)
                await pipe.execute()


async def forget_everything(url: str) -> None:
    """Delete every count kept in the Redis at `url` (tests start each case afresh)."""
    client = redis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=PREFIX + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
