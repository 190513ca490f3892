"""The contract both reply logs keep, the one in memory and the one in Redis alike."""

import asyncio
import uuid

import pytest

from chat.endings import Ending
from chat.replies.log import Delta, End, ReplyInfo
from chat.replies.memory_log import MemoryReplyLog
from chat.replies.redis_log import WATCH_INTERVAL, RedisReplyLog
from tests.support.replies import reply_info

DONE = Ending(status="done", text="abc", model="m", finish_reason="stop")


def info(reply: str) -> ReplyInfo:
    return reply_info(reply)


@pytest.fixture(params=["memory", "redis"])
def log(request):
    if request.param == "memory":
        return MemoryReplyLog()
    return RedisReplyLog(request.getfixturevalue("redis_url"))


async def opened(log) -> str:
    reply = uuid.uuid4().hex
    await log.open(info(reply))
    return reply


async def collect(log, reply, after):
    return [entry async for entry in log.entries(reply, after)]


async def test_a_follower_gets_every_delta_after_its_index_then_the_end(log):
    reply = await opened(log)
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
    reply = await opened(log)
    await log.append(reply, Delta(0, "early"))
    entries = log.entries(reply, -1)

    assert await anext(entries) == Delta(0, "early")
    pending = asyncio.ensure_future(anext(entries))
    await log.append(reply, Delta(1, "late"))
    assert await asyncio.wait_for(pending, 5) == Delta(1, "late")
    await log.close(reply, DONE)
    assert await asyncio.wait_for(anext(entries), 5) == End(DONE)


async def test_a_reader_gets_what_waits_in_one_batch_and_the_live_tail_as_it_comes(log):
    reply = await opened(log)
    for seq, text in enumerate(["a", "b", "c"]):
        await log.append(reply, Delta(seq, text))
    batches = log.batches(reply, 0)

    # One wake-up for everything waiting, not one per piece.
    assert await anext(batches) == [Delta(1, "b"), Delta(2, "c")]
    pending = asyncio.ensure_future(anext(batches))
    await log.append(reply, Delta(3, "d"))
    assert await asyncio.wait_for(pending, 5) == [Delta(3, "d")]
    await log.append(reply, Delta(4, "e"))
    await log.close(reply, DONE)
    assert await asyncio.wait_for(anext(batches), 5) == [Delta(4, "e"), End(DONE)]
    await batches.aclose()


async def test_a_reply_has_ended_once_closed_and_is_unknown_once_forgotten(log):
    reply = await opened(log)
    assert not await log.has_ended(reply)

    await log.close(reply, DONE)
    assert await log.has_ended(reply)
    await log.forget(reply)

    assert await log.info(reply) is None


async def test_the_candidate_that_answers_is_recorded_in_the_replys_info(log):
    reply = await opened(log)

    await log.began(reply, "http://127.0.0.1:8080/v1", 120)

    began = await log.info(reply)
    assert (began.provider, began.first_token_ms) == ("http://127.0.0.1:8080/v1", 120)


async def test_an_unknown_reply_has_no_info(log):
    assert await log.info(uuid.uuid4().hex) is None


async def test_a_stop_request_ends_the_watch(log):
    reply = await opened(log)
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=60))

    await log.request_stop(reply)

    assert await asyncio.wait_for(watch, 5) == "stop"


async def test_a_followed_reply_is_never_abandoned_and_is_once_nobody_follows_it(log):
    reply = await opened(log)
    await log.join(reply)
    watch = asyncio.ensure_future(log.until_stopped_or_abandoned(reply, grace=0))

    # With no grace at all, only the follower keeps the reply: through several of the Redis
    # log's looks at it, the watch must go on.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(watch), timeout=5 * WATCH_INTERVAL)
    await log.leave(reply)

    assert await asyncio.wait_for(watch, 5) == "abandoned"


async def test_a_group_counts_its_running_replies_up_to_its_cap(log):
    group = [(f"session:{uuid.uuid4().hex}", 2)]
    first, second, third = (uuid.uuid4().hex for _ in range(3))

    assert await log.claim_running(group, first)
    await log.open(info(first))
    assert await log.claim_running(group, second)  # claimed, its turn not stored yet
    refused = await log.claim_running(group, third)
    await log.close(first, DONE)
    after_an_end = await log.claim_running(group, third)

    assert (refused, after_an_end) == (False, True)


async def test_a_reply_counts_in_every_group_or_in_none(log):
    session, address = f"session:{uuid.uuid4().hex}", f"address:{uuid.uuid4().hex}"
    full = uuid.uuid4().hex
    assert await log.claim_running([(address, 1)], full)

    refused = await log.claim_running([(session, 5), (address, 1)], uuid.uuid4().hex)
    await log.release_running([(address, 1)], full)
    other = uuid.uuid4().hex
    admitted = await log.claim_running([(session, 1), (address, 1)], other)

    assert (refused, admitted) == (False, True)
    # The refused claim was counted nowhere: the session's group holds the one admitted alone.
    assert not await log.claim_running([(session, 1)], uuid.uuid4().hex)


async def test_a_reply_the_log_never_had_or_has_let_go_counts_as_ended(log):
    reply = await opened(log)
    running = await log.has_ended(reply)
    await log.close(reply, DONE)
    await log.forget(reply)

    assert running is False
    assert await log.has_ended(reply)
    assert await log.has_ended(uuid.uuid4().hex)
