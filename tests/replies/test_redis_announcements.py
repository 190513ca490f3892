"""Announcements across worker processes: a reply started on one is heard on every other."""

import asyncio

import pytest

from chat.replies.redis_announcements import RedisAnnouncements
from tests.support.replies import reply_info


@pytest.fixture
def workers(redis_url) -> tuple[RedisAnnouncements, RedisAnnouncements]:
    """What two worker processes each have: announcements of their own on one Redis."""
    return RedisAnnouncements(redis_url), RedisAnnouncements(redis_url)


async def test_a_reply_announced_on_one_worker_is_heard_by_a_watcher_on_another(workers):
    here, there = workers
    async with there.watch("ours") as heard:
        await here.announce(reply_info("d" * 32, conversation="other"))
        await here.announce(reply_info("e" * 32, conversation="ours", question="Why?"))

        info = await asyncio.wait_for(anext(heard), 10)

    assert (info.reply, info.question) == ("e" * 32, "Why?")


def tasks_but_this_one() -> list[asyncio.Task]:
    return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]


async def test_a_worker_reads_the_stream_once_and_only_while_someone_watches(workers):
    _, there = workers
    async with there.watch("ours"), there.watch("ours"):
        # One read of the stream, however many sockets watch.
        assert len(tasks_but_this_one()) == 1

    # Let go at once, though the read was blocked waiting for the stream.
    assert tasks_but_this_one() == []
