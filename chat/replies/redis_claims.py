"""Claims in Redis that keep replies apart: one running reply per conversation, and no more
than a cap of running replies per group (a session's, an address's), whichever worker asks.

Both scripts count a reply as running while its worker's lease is alive and no end is written,
so the replies of a worker that died stop counting once its lease lapses.
"""

from __future__ import annotations

import redis.asyncio as redis
from redis.asyncio.client import Pipeline

from chat.replies.redis_common import PREFIX, key, lease_ms

# While a reply runs, its keys and its claims outlive their last renewal by this much; the
# worker running it renews them this often.
RUNNING_KEYS_SECONDS = 600
RENEW_INTERVAL = 60.0
# How long the set of a group's running replies outlives the last reply counted in it.
GROUP_SECONDS = 24 * 3600

# A conversation's running reply, replaced only by one asked once it has ended or its worker's
# lease has lapsed. The new reply's lease starts with the claim, so that no other ask can take
# the conversation between the claim and the reply's start.
CLAIM = """
local running = redis.call('GET', KEYS[1])
if running and running ~= ARGV[1]
    and redis.call('EXISTS', ARGV[2] .. running .. ':alive') == 1
    and redis.call('EXISTS', ARGV[2] .. running .. ':ended') == 0 then
  return 0
end
redis.call('SET', ARGV[2] .. ARGV[1] .. ':alive', 1, 'PX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
return 1
"""
# The running replies of a group (a session's, an address's): a set of reply ids, of which only
# those still running count, their worker's lease alive and no end written. KEYS: the groups;
# ARGV: the reply, the key prefix, the lease (ms), the set's expiry (s), then each group's cap.
CLAIM_RUNNING = """
for i, group in ipairs(KEYS) do
  for _, reply in ipairs(redis.call('SMEMBERS', group)) do
    if redis.call('EXISTS', ARGV[2] .. reply .. ':alive') == 0
        or redis.call('EXISTS', ARGV[2] .. reply .. ':ended') == 1 then
      redis.call('SREM', group, reply)
    end
  end
  if redis.call('SCARD', group) >= tonumber(ARGV[4 + i]) then return 0 end
end
for _, group in ipairs(KEYS) do
  redis.call('SADD', group, ARGV[1])
  redis.call('EXPIRE', group, ARGV[4])
end
redis.call('SET', ARGV[2] .. ARGV[1] .. ':alive', 1, 'PX', ARGV[3])
return 1
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], ARGV[2] .. ARGV[1] .. ':alive')
end
"""


def conversation_key(conversation: str) -> str:
    return f"{PREFIX}conversation:{conversation}"


def renew_running(pipe: Pipeline, reply: str, conversation: str | None) -> None:
    """Put off the expiry of a running reply's keys, and of its conversation's claim."""
    for suffix in ("", "meta", "followers"):
        pipe.expire(key(reply, suffix), RUNNING_KEYS_SECONDS)
    if conversation is not None:
        pipe.expire(conversation_key(conversation), RUNNING_KEYS_SECONDS)


async def claim(client: redis.Redis, conversation: str, reply: str) -> bool:
    running = conversation_key(conversation)
    return bool(
        await client.eval(CLAIM, 1, running, reply, PREFIX, lease_ms(), RUNNING_KEYS_SECONDS)
    )


async def release(client: redis.Redis, conversation: str, reply: str) -> None:
    await client.eval(RELEASE, 1, conversation_key(conversation), reply, PREFIX)


async def claim_running(client: redis.Redis, groups: list[tuple[str, int]], reply: str) -> bool:
    keys = [f"{PREFIX}running:{group}" for group, _ in groups]
    args: list[str | int] = [reply, PREFIX, lease_ms(), GROUP_SECONDS, *(cap for _, cap in groups)]
    return bool(await client.eval(CLAIM_RUNNING, len(keys), *keys, *args))


async def release_running(client: redis.Redis, groups: list[tuple[str, int]], reply: str) -> None:
    async with client.pipeline(transaction=False) as pipe:
        for group, _ in groups:
            pipe.srem(f"{PREFIX}running:{group}", reply)
        pipe.delete(key(reply, "alive"))
        await pipe.execute()
