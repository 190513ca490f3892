"""The replies one socket follows: one at a time, in a task of its own, paced by its window.

A socket follows the reply it asked, resumed or caught up on, live from the reply log or, once
the log has let it go, from the database. A socket that shows a conversation also follows the
replies that other tabs of its session ask in it, each once the reply followed before it has
ended. Every frame of a followed reply waits for the socket's window (`chat.window`), so a
client that does not read holds its replies where they are and the server holds no more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from chat import conversations, protocol, saving
from chat.endings import Ending
from chat.models import Turn
from chat.replies import get_replies
from chat.replies.following import Follower, replay_saved
from chat.window import Window

Send = Callable[[dict[str, Any]], Awaitable[None]]


class SocketReplies:
    def __init__(self, origin: str, session: str | None, window: Window, send: Send) -> None:
        self.origin = origin
        self.session = session
        self.window = window
        self.send = send
        # Whether the client wants `html` frames: as its last ask, resume or watch said.
        self.render: protocol.Render = True
        self.follower: Follower | None = None
        self.following: asyncio.Task[None] | None = None
        # The conversation this socket shows, and the task that hears of its other tabs' asks.
        self.shown: str | None = None
        self.watching: asyncio.Task[None] | None = None

    async def follow(self, reply: str, after: int) -> None:
        """Follow the reply from the piece after `after`, instead of any followed before."""
        await self.unfollow()
        pace = self.window.until_open
        self.follower = Follower(get_replies().log, reply, after, self.render, self.send, pace)
        self.following = asyncio.create_task(self.follower.run())

    async def resume(self, reply: str, after: int) -> bool:
        """Follow the reply if it is the session's; False (and nothing sent) if not."""
        info = await get_replies().log.info(reply)
        if info is not None:
            if info.session != self.session:
                return False
            await self.follow(reply, after=after)
            await self.show(info.conversation)
            return True
        # Once the log has forgotten a reply, the saved turn answers for it.
        turn = await conversations.find_turn(reply)
        if turn is None or turn.conversation.session_key != self.session:
            return False
        await self.replay(turn, after)
        await self.show(str(turn.conversation_id))
        return True

    async def replay(self, turn: Turn, after: int) -> None:
        """Follow a reply the log has let go: its saved turn, sent as the window allows."""
        await self.unfollow()
        ending = await saving.ending_of(turn)
        self.following = asyncio.create_task(self._replay(turn, ending, after))

    async def _replay(self, turn: Turn, ending: Ending, after: int) -> None:
        await replay_saved(turn, ending, after, self._paced, self.render)

    async def _paced(self, frame: dict[str, Any]) -> None:
        await self.window.until_open()
        await self.send(frame)

    async def unfollow(self) -> None:
        await _cancel(self.following)
        self.following = self.follower = None

    async def show(self, conversation: str) -> None:
        """From now on, follow the replies that other tabs of the session ask in the
        conversation, each once the reply followed before it has ended."""
        if conversation == self.shown:
            return
        await _cancel(self.watching)
        self.shown = conversation
        # Returns once the watch is under way: a reply asked from now on will be heard.
        watching = asyncio.get_running_loop().create_future()
        self.watching = asyncio.create_task(self._follow_other_tabs(conversation, watching))
        await asyncio.wait({self.watching, watching}, return_when=asyncio.FIRST_COMPLETED)

    async def _follow_other_tabs(self, conversation: str, watching: asyncio.Future[None]) -> None:
        async with get_replies().announcements.watch(conversation) as announced:
            watching.set_result(None)
            async for info in announced:
                if info.origin == self.origin or info.session != self.session:
                    continue
                while self.follower is not None and not self.follower.ended:
                    await self.follower.finished.wait()
                if self.follower is None and self.following is not None:
                    # A reply replayed from the database: it ends once its frames are sent.
                    await asyncio.wait({self.following})
                await self.follow(info.reply, after=-1)

    async def close(self) -> None:
        await self.unfollow()
        await _cancel(self.watching)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
