"""How long the in-memory log keeps ended replies: minutes, within a byte budget, oldest first;
then the database answers for them."""

import asyncio
import uuid

import pytest

from chat.endings import Ending
from chat.replies import get_replies
from chat.replies.log import Delta
from chat.replies.memory_log import MemoryReplyLog
from tests.support.replies import reply_info
from tests.support.waiting import eventually
from tests.support.websocket import connect, new_session, receive_reply


def ending(text: str) -> Ending:
    return Ending(status="done", text=text, model="m", finish_reason="stop")


async def ended(log: MemoryReplyLog, text: str) -> str:
    reply = uuid.uuid4().hex
    await log.open(reply_info(reply))
    await log.append(reply, Delta(0, text))
    await log.close(reply, ending(text))
    return reply


async def test_an_ended_reply_is_forgotten_once_its_time_is_up_even_if_nothing_else_happens(
    settings,
):
    settings.STREAMDEMO_REPLY_TTL = 0.05
    log = MemoryReplyLog()
    reply = await ended(log, "short-lived")

    async def forgotten() -> bool:
        return await log.info(reply) is None

    await eventually(forgotten)


async def test_past_the_byte_budget_the_oldest_ended_replies_go_first(settings):
    settings.STREAMDEMO_REPLY_LOG_BYTES = 3 * (1_000 + 1_000 + 400)
    log = MemoryReplyLog()
    running = uuid.uuid4().hex
    await log.open(reply_info(running))
    await log.append(running, Delta(0, "r" * 10_000))
    oldest, older, newer, newest = [await ended(log, "x" * 1_000) for _ in range(4)]

    kept = [await log.info(reply) is not None for reply in (oldest, older, newer, newest)]

    assert kept == [False, True, True, True]
    assert await log.info(running) is not None  # a running reply is never let go


async def test_a_reply_a_socket_is_reading_stays_past_the_budget(settings):
    settings.STREAMDEMO_REPLY_LOG_BYTES = 0
    log = MemoryReplyLog()
    read = uuid.uuid4().hex
    await log.open(reply_info(read))
    await log.join(read)
    await log.close(read, ending("being read"))

    other = await ended(log, "not being read")

    assert await log.info(read) is not None
    assert await log.info(other) is None


@pytest.mark.django_db(transaction=True)
async def test_a_reply_the_log_let_go_is_resumed_from_the_database_as_it_was(upstream, settings):
    if settings.REDIS_URL:
        pytest.skip("the Redis log lets replies go by its keys' expiry (test_redis_log.py)")
    settings.STREAMDEMO_REPLY_LOG_BYTES = 0
    session = await new_session()
    socket = await connect(session)
    await socket.send_json_to({"type": "ask", "question": "q", "render": False})
    live = await receive_reply(socket)
    await asyncio.wait_for(get_replies().until_idle(), 10)
    await socket.disconnect()  # its reader gone, the reply is let go

    again = await connect(session)
    await again.send_json_to(
        {"type": "resume", "reply": live[0]["reply"], "after": -1, "render": False}
    )
    replayed = await receive_reply(again)

    assert await get_replies().log.info(live[0]["reply"]) is None
    assert [frame["type"] for frame in replayed] == ["start", "delta", "done"]
    assert replayed[1]["content"] == "Hello, world!"
    assert replayed[-1] == live[-1]
    await again.disconnect()
