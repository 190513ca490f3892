"""How long the Redis reply log keeps replies once they have ended: minutes, within a budget.

An ended reply's keys expire `STREAMDEMO_REPLY_TTL` seconds after its end. That alone let a
burst of long answers fill Redis: twenty visitors asking for answers of 480 KB held 722 MB of it
after two minutes, and growing. So the ended replies of every worker are counted together, in
Redis (when each ended, and its size); once they hold more than `STREAMDEMO_REPLY_LOG_BYTES`,
the oldest are given `GRACE_SECONDS` more, time for a reader under way to finish, and stop
counting. A resume of a reply let go is answered from the database, as after its TTL.
"""

from __future__ import annotations

import json
import time

import redis.asyncio as redis
from django.conf import settings

from chat.replies.redis_common import PREFIX

ENDED = "streamdemo:ended"  # sorted set: each ended reply, by when it ended
SIZES = "streamdemo:ended:sizes"  # hash: each ended reply's size in bytes
TOTAL = "streamdemo:ended:bytes"
GRACE_SECONDS = 30
# What one piece of a reply costs Redis besides its text: its Stream entry.
PIECE_OVERHEAD = 64
SUFFIXES = ("", ":meta", ":followers", ":ended", ":stop", ":alive")

# One script, so that workers ending replies at once count them right.
_ENDED = """
local ended, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local reply, now, size = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ttl, budget, grace, prefix = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
redis.call('ZADD', ended, now, reply)
redis.call('HSET', sizes, reply, size)
local bytes = redis.call('INCRBY', total, size)
local function uncount(name)
  local had = tonumber(redis.call('HGET', sizes, name) or '0')
  redis.call('ZREM', ended, name)
  redis.call('HDEL', sizes, name)
  bytes = redis.call('DECRBY', total, had)
end
-- Those past their time have expired by themselves.
for _, name in ipairs(redis.call('ZRANGEBYSCORE', ended, '-inf', now - ttl)) do
  uncount(name)
end
while bytes > budget do
  local oldest = redis.call('ZRANGE', ended, 0, 0)[1]
  if not oldest then break end
  uncount(oldest)
  for _, suffix in ipairs(cjson.decode(ARGV[8])) do
    redis.call('EXPIRE', prefix .. oldest .. suffix, grace)
  end
end
"""


def size_of(text: str, reasoning: str, pieces: int) -> int:
    """About what an ended reply holds in Redis: its pieces, then its end, which repeats them."""
    return 2 * (len(text) + len(reasoning)) + PIECE_OVERHEAD * pieces


async def ended(client: redis.Redis, reply: str, size: int) -> None:
    """Count the reply among the ended ones, and let the oldest go to keep within the budget."""
    script = client.register_script(_ENDED)
    args = (
        reply,
        time.time(),
        size,
        int(settings.STREAMDEMO_REPLY_TTL),
        int(settings.STREAMDEMO_REPLY_LOG_BYTES),
        GRACE_SECONDS,
        PREFIX,
        json.dumps(SUFFIXES),
    )
    await script(keys=[ENDED, SIZES, TOTAL], args=args)
