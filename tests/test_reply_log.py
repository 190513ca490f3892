import asyncio
import uuid

import pytest

from chat.endings import Ending
from chat.replies.log import Delta, End, ReplyInfo
from chat.replies.memory_log import MemoryReplyLog
from chat.replies.redis_log import RedisReplyLog

DONE = Ending(status="done", text="abc", model="m", finish_reason="stop")


def info(reply: str) -> ReplyInfo:
    return ReplyInfo(reply, "session", "conversation", "question?", "m", None)


@pytest.fixture(params=["memory", "redis"])
def log(request):
    if request.param == "memory":
        return MemoryReplyLog()
    return RedisReplyLog(request.getfixturevalue("redis_url"))


async def collect(log, reply, after):
    return [entry async for entry in log.entries(reply, after)]


async def test_a_follower_gets_every_delta_after_its_index_then_the_end(log):
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    for seq, text in enumerate(["a", "b", "c"]):
        await log.append(reply, Delta(seq, text))
    await log.close(reply, DONE)

    assert await collect(log, reply, -1) == [
        Delta(0, "a"),
        Delta(1, "b"),
        Delta(2, "c"),
        End(DONE),
    ]
    assert await collect(log, reply, 1) == [Delta(2, "c"), End(DONE)]
    assert await collect(log, reply, 2) == [End(DONE)]
    assert await log.info(reply) == info(reply)


async def test_a_follower_waiting_for_the_live_tail_gets_it_as_it_is_appended(log):
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.append(reply, Delta(0, "early"))
    entries = log.entries(reply, -1)

    assert await anext(entries) == Delta(0, "early")
    pending = asyncio.ensure_future(anext(entries))
    await log.append(reply, Delta(1, "late"))
    assert await asyncio.wait_for(pending, 5) == Delta(1, "late")
    await log.close(reply, DONE)
    assert await asyncio.wait_for(anext(entries), 5) == End(DONE)


async def test_a_follower_keeps_waiting_through_a_pause_longer_than_one_blocking_read(redis_url):
    log = RedisReplyLog(redis_url, block_ms=50)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    entries = log.entries(reply, -1)
    pending = asyncio.ensure_future(anext(entries))

    await asyncio.sleep(0.3)  # the pause itself: several blocking reads come back empty
    await log.append(reply, Delta(0, "after the pause"))

    assert await asyncio.wait_for(pending, 5) == Delta(0, "after the pause")
    await entries.aclose()


async def test_an_unknown_reply_has_no_info(log):
    assert await log.info(uuid.uuid4().hex) is None


async def test_a_stop_request_ends_the_watch(log):
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=60))

    await log.request_stop(reply)

    assert await asyncio.wait_for(watch, 5) == "stop"


async def test_a_reply_nobody_follows_is_abandoned_after_the_grace_period(log):
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=0))
    await asyncio.sleep(0)
    assert not watch.done()

    await log.leave(reply)

    assert await asyncio.wait_for(watch, 5) == "abandoned"


@pytest.fixture
def lapsing_log(redis_url, settings):
    """A Redis log whose leases lapse 0.1 s after their last renewal."""
    settings.STREAMDEMO_WORKER_LEASE_SECONDS = 0.1
    return RedisReplyLog(redis_url, block_ms=50)


async def test_a_reply_whose_worker_stopped_renewing_its_lease_ends_as_interrupted(lapsing_log):
    log = lapsing_log
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.append(reply, Delta(0, "kept"))
    # Nothing renews the lease: the worker that opened the reply is gone.

    first = await asyncio.wait_for(collect(log, reply, -1), 5)
    second = await asyncio.wait_for(collect(log, reply, 0), 5)

    assert first[0] == Delta(0, "kept")
    end = first[-1].ending
    assert (end.status, end.error_code, end.text) == ("failed", "interrupted", "kept")
    assert len(first) == 2
    assert second == [End(end)]
    assert await log.has_ended(reply)


async def test_a_running_reply_keeps_its_followers_waiting_longer_than_a_lease(redis_url, settings):
    settings.STREAMDEMO_WORKER_LEASE_SECONDS = 0.5
    log = RedisReplyLog(redis_url, block_ms=50)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=60))
    entries = log.entries(reply, -1)
    pending = asyncio.ensure_future(anext(entries))

    await asyncio.sleep(1.5)  # the pause itself: three leases long, renewed all the while
    await log.append(reply, Delta(0, "still here"))

    assert await asyncio.wait_for(pending, 5) == Delta(0, "still here")
    await entries.aclose()
    watch.cancel()
    await asyncio.gather(watch, return_exceptions=True)


async def test_a_worker_back_from_a_stall_longer_than_its_lease_lets_the_reply_go(lapsing_log):
    log = lapsing_log
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.join(reply)
    await asyncio.wait_for(collect(log, reply, -1), 5)  # a follower ended it as interrupted

    watch = log.until_stopped_or_abandoned(reply, grace=60)

    assert await asyncio.wait_for(watch, 5) == "ended elsewhere"


async def test_a_reply_its_own_worker_closed_is_not_taken_for_interrupted(redis_url):
    # Between the close and the end of saving, the reply's watch must not cut the saving short.
    log = RedisReplyLog(redis_url)
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    await log.close(reply, DONE)

    watch = log.until_stopped_or_abandoned(reply, grace=0)

    assert await asyncio.wait_for(watch, 5) == "abandoned"
