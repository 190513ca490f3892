"""A reply whose worker died: its followers end it, with all the text it had, once."""

import uuid

from chat.endings import WORKER_DIED
from chat.replies import redis_orphans
from chat.replies.log import Delta, End
from chat.replies.redis_common import key
from chat.replies.redis_log import RedisReplyLog
from tests.support.replies import reply_info


async def test_a_reply_whose_lease_lapsed_is_ended_interrupted_with_its_text_once(redis_url):
    log = RedisReplyLog(redis_url)
    reply = uuid.uuid4().hex
    await log.open(reply_info(reply))
    await log.append(reply, Delta(0, "Hm.", reasoning=True))
    await log.append(reply, Delta(1, "Half an"))
    client = log._redis
    assert not await redis_orphans.orphaned(client, reply)

    await client.delete(key(reply, "alive"))  # as if its worker had stopped renewing it
    assert await redis_orphans.orphaned(client, reply)
    await redis_orphans.end(client, reply)
    await redis_orphans.end(client, reply)  # a second follower noticing: nothing more

    entries = [entry async for entry in log.entries(reply, -1)]
    ends = [entry for entry in entries if isinstance(entry, End)]
    assert len(ends) == 1
    ending = ends[0].ending
    assert (ending.status, ending.text, ending.reasoning) == ("failed", "Half an", "Hm.")
    assert ending.error_message == WORKER_DIED
    assert not await redis_orphans.orphaned(client, reply)
