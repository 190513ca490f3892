"""The replies one socket follows: one at a time, in a task of its own, paced by its window.

A socket follows the reply it asked, resumed or caught up on, live from the reply log or, once
the log has let it go, from the database. A socket that shows a conversation also follows the
replies that other tabs of its session ask in it, each once the reply followed before it has
ended. Every frame of a followed reply waits for the socket's window (`chat.window`), so a
client that does not read holds its replies where they are and the server holds no more.

A watch's catch-up (`catch_up`) is followed the same way, a turn at a time, in a task of its
own while the socket goes on reading the client's messages, acks among them: what follows it
(the socket's next ask, a resume) waits for it to end instead of cutting it short.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from chat import conversations, protocol
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
        # A watch's catch-up while it runs: what is followed next waits for it.
        self.catching_up: asyncio.Task[None] | None = None
        # The conversation this socket shows, and the task that hears of its other tabs' asks.
        self.shown: str | None = None
        self.watching: asyncio.Task[None] | None = None

    async def follow(self, reply: str, after: int) -> None:
        """Follow the reply from the piece after `after`, instead of any followed before."""
        await self.unfollow()
        pace = self.window.until_open
        follower = Follower(get_replies().log, reply, after, self.render, self.send, pace)
        self.follower = follower
        self.following = asyncio.create_task(self._after_catch_up(follower.run))

    async def _after_catch_up(self, then: Callable[[], Awaitable[None]]) -> None:
        if self.catching_up is not None and not self.catching_up.done():
            await asyncio.wait({self.catching_up})
        await then()

    async def catch_up(self, turns: list[int], conversation: str) -> None:
        """Send the conversation's turns of these keys, each as a resume from its start would,
        paced by the window; then `watching`, and show the conversation from then on."""
        await _cancel(self.catching_up)
        await self.unfollow()
        self.catching_up = self.following = asyncio.create_task(self._catch_up(turns, conversation))

    async def _catch_up(self, turns: list[int], conversation: str) -> None:
        # Shown first: a reply another tab asks meanwhile is followed once this is done.
        await self.show(conversation)
        live: asyncio.Task[None] | None = None
        try:
            for pk in turns:
                turn = await conversations.turn_of(pk)
                if turn is None:
                    continue  # gone since it was listed (regenerated, pruned): nothing to show
                streaming = turn.status == Turn.Status.STREAMING
                if streaming and await get_replies().log.info(turn.reply_id) is not None:
                    # Still being written (the last turn, then): followed live.
                    log, pace = get_replies().log, self.window.until_open
                    self.follower = Follower(log, turn.reply_id, -1, self.render, self.send, pace)
                    live = asyncio.create_task(self.follower.run())
                    continue
                await replay_saved(turn, -1, self.send, self.render, self.window.until_open)
            await self._paced(protocol.watching(conversation))
            if live is not None:
                await live
        finally:
            await _cancel(live)

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
        self.following = asyncio.create_task(
            self._after_catch_up(functools.partial(self._replay, turn, after))
        )

    async def _replay(self, turn: Turn, after: int) -> None:
        await replay_saved(turn, after, self.send, self.render, self.window.until_open)

    async def _paced(self, frame: dict[str, Any]) -> None:
        await self.window.until_open()
        await self.send(frame)

    async def unfollow(self) -> None:
        """Stop following the reply followed now; a catch-up under way goes on."""
        if self.following is not self.catching_up:
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
        await _cancel(self.catching_up)
        await _cancel(self.watching)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
