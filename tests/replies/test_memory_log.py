"""The reply log inside one process: an ended reply stays replayable for the TTL, then only the
database has it."""

import uuid

from chat.endings import Ending
from chat.replies.log import Delta, End
from chat.replies.memory_log import MemoryReplyLog
from tests.support.replies import reply_info

DONE = Ending(status="done", text="kept", model="m", finish_reason="stop")


async def opened(log: MemoryReplyLog) -> str:
    reply = uuid.uuid4().hex
    await log.open(reply_info(reply))
    return reply


async def test_an_ended_reply_stays_replayable_within_the_ttl(settings):
    settings.STREAMDEMO_REPLY_TTL = 3600
    log = MemoryReplyLog()
    reply = await opened(log)
    await log.append(reply, Delta(0, "kept"))
    await log.close(reply, DONE)

    await opened(log)

    assert [entry async for entry in log.entries(reply, -1)] == [Delta(0, "kept"), End(DONE)]


async def test_past_the_ttl_an_ended_reply_is_forgotten_and_a_running_one_kept(settings):
    settings.STREAMDEMO_REPLY_TTL = 0
    log = MemoryReplyLog()
    ended, running = await opened(log), await opened(log)
    await log.close(ended, DONE)

    # Expired replies are dropped as the next one opens.
    await opened(log)

    assert await log.info(ended) is None
    assert await log.info(running) is not None
