"""Replies announced as they start, to whoever watches their conversation, in this process."""

import asyncio

from chat.replies.announcements import Announcements
from tests.support.replies import reply_info


async def test_a_watcher_hears_each_reply_started_in_its_conversation_and_no_other():
    announcements = Announcements()
    async with announcements.watch("ours") as heard:
        await announcements.announce(reply_info("a" * 32, conversation="theirs"))
        await announcements.announce(reply_info("b" * 32, conversation="ours"))

        assert (await asyncio.wait_for(anext(heard), 5)).reply == "b" * 32


async def test_every_watcher_of_a_conversation_hears_it_and_a_watch_ended_is_let_go():
    announcements = Announcements()
    async with announcements.watch("ours") as one, announcements.watch("ours") as other:
        await announcements.announce(reply_info("c" * 32, conversation="ours"))

        heard = [await asyncio.wait_for(anext(watch), 5) for watch in (one, other)]
        assert [info.reply for info in heard] == ["c" * 32] * 2

    assert not announcements.watched()
