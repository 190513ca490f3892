"""Telling every socket that shows a conversation of each reply asked in it, wherever it was asked.

A tab that shows a conversation follows the replies asked in it from its other tabs, live: each
reply is announced when it starts, and each socket watching the conversation hears of it. Only
the reply's id and start travel this way; its text is always read from the reply log.
This module announces within the process; `redis_announcements` across worker processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chat.replies.log import ReplyInfo


class Announcements:
    """Replies announced as they start, heard by whoever watches their conversation."""

    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue[ReplyInfo]]] = {}

    async def announce(self, info: ReplyInfo) -> None:
        self.deliver(info)

    @asynccontextmanager
    async def watch(self, conversation: str) -> AsyncIterator[AsyncIterator[ReplyInfo]]:
        """Every reply announced in the conversation from the moment this is entered."""
        heard: asyncio.Queue[ReplyInfo] = asyncio.Queue()
        self._watchers.setdefault(conversation, set()).add(heard)
        try:
            await self.watching()
            yield _each(heard)
        finally:
            watchers = self._watchers.get(conversation, set())
            watchers.discard(heard)
            if not watchers:
                self._watchers.pop(conversation, None)
            await self.unwatched()

    def deliver(self, info: ReplyInfo) -> None:
        for heard in self._watchers.get(info.conversation, ()):
            heard.put_nowait(info)

    def watched(self) -> bool:
        return bool(self._watchers)

    async def watching(self) -> None:
        """Called as a watch begins, before it hears anything: announcements made from now on
        must reach it."""

    async def unwatched(self) -> None:
        """Called as a watch ends."""


async def _each(heard: asyncio.Queue[ReplyInfo]) -> AsyncIterator[ReplyInfo]:
    while True:
        yield await heard.get()
