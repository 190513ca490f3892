"""How long the Redis reply log keeps ended replies: within a budget of bytes, oldest let go."""

import uuid

import pytest
import redis.asyncio as redis

from chat.endings import Ending
from chat.replies import redis_retention
from chat.replies.log import Delta
from chat.replies.redis_log import RedisReplyLog
from tests.support.replies import reply_info


@pytest.fixture
async def log(redis_url, monkeypatch):
    client = redis.Redis.from_url(redis_url)
    await client.delete(redis_retention.ENDED, redis_retention.SIZES, redis_retention.TOTAL)
    await client.aclose()
    # No time for readers under way: what is let go goes at once, for the test to see.
    monkeypatch.setattr(redis_retention, "GRACE_SECONDS", 0)
    return RedisReplyLog(redis_url)


async def ended_reply(log: RedisReplyLog, text: str) -> str:
    reply = uuid.uuid4().hex
    await log.open(reply_info(reply))
    await log.append(reply, Delta(0, text))
    stats = {"chunks": 1}
    await log.close(reply, Ending(status="done", text=text, model="m", stats=stats))
    return reply


async def test_ended_replies_beyond_the_budget_are_let_go_oldest_first(log, settings):
    # Each reply below holds about 2 KB: two of them fit.
    settings.STREAMDEMO_REPLY_LOG_BYTES = 4_500
    replies = [await ended_reply(log, "x" * 1_000) for _ in range(3)]

    kept = [await log.info(reply) is not None for reply in replies]

    assert kept == [False, True, True]
    assert [
        entry.content async for entry in log.entries(replies[2], -1) if hasattr(entry, "content")
    ] == ["x" * 1000]


async def test_within_the_budget_every_ended_reply_is_kept(log, settings):
    settings.STREAMDEMO_REPLY_LOG_BYTES = 64 * 1024 * 1024
    replies = [await ended_reply(log, "x" * 1_000) for _ in range(3)]

    assert [await log.info(reply) is not None for reply in replies] == [True, True, True]
