import asyncio
import uuid

import pytest

from chat.reply_log import Delta, End, MemoryReplyLog
from chat.reply_log_redis import RedisReplyLog


@pytest.fixture(params=["memory", "redis"])
def log(request):
    if request.param == "memory":
        return MemoryReplyLog()
    return RedisReplyLog(request.getfixturevalue("redis_url"))


async def collect(log, reply, after):
    return [entry async for entry in log.entries(reply, after)]


async def test_a_follower_gets_every_delta_after_its_index_then_the_end(log):
    reply = uuid.uuid4().hex
    await log.open(reply, {"model": "m"})
    for seq, text in enumerate(["a", "b", "c"]):
        await log.append(reply, Delta(seq, text))
    await log.close(reply, {"type": "done", "reply": reply})

    assert await collect(log, reply, -1) == [
        Delta(0, "a"),
        Delta(1, "b"),
        Delta(2, "c"),
        End({"type": "done", "reply": reply}),
    ]
    assert await collect(log, reply, 1) == [Delta(2, "c"), End({"type": "done", "reply": reply})]
    assert await collect(log, reply, 2) == [End({"type": "done", "reply": reply})]
    assert await log.meta(reply) == {"model": "m"}


async def test_a_follower_waiting_for_the_live_tail_gets_it_as_it_is_appended(log):
    reply = uuid.uuid4().hex
    await log.open(reply, {})
    await log.append(reply, Delta(0, "early"))
    entries = log.entries(reply, -1)

    assert await anext(entries) == Delta(0, "early")
    pending = asyncio.ensure_future(anext(entries))
    await log.append(reply, Delta(1, "late"))
    assert await asyncio.wait_for(pending, 5) == Delta(1, "late")
    await log.close(reply, {"type": "done"})
    assert await asyncio.wait_for(anext(entries), 5) == End({"type": "done"})


async def test_a_follower_keeps_waiting_through_a_pause_longer_than_one_blocking_read(redis_url):
    log = RedisReplyLog(redis_url, block_ms=50)
    reply = uuid.uuid4().hex
    await log.open(reply, {})
    entries = log.entries(reply, -1)
    pending = asyncio.ensure_future(anext(entries))

    await asyncio.sleep(0.3)  # the pause itself: several blocking reads come back empty
    await log.append(reply, Delta(0, "after the pause"))

    assert await asyncio.wait_for(pending, 5) == Delta(0, "after the pause")
    await entries.aclose()


async def test_an_unknown_reply_has_no_meta(log):
    assert await log.meta(uuid.uuid4().hex) is None


async def test_a_stop_request_ends_the_watch(log):
    reply = uuid.uuid4().hex
    await log.open(reply, {})
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=60))

    await log.request_stop(reply)

    assert await asyncio.wait_for(watch, 5) == "stop"


async def test_a_reply_nobody_follows_is_abandoned_after_the_grace_period(log):
    reply = uuid.uuid4().hex
    await log.open(reply, {})
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=0))
    await asyncio.sleep(0)
    assert not watch.done()

    await log.leave(reply)

    assert await asyncio.wait_for(watch, 5) == "abandoned"
