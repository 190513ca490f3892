"""The `/ws/chat/` consumer: one socket's frames parsed, its limits applied, replies followed.

A reply belongs to `chat.replies`, not to the socket that asked: this consumer starts one and
then only follows the reply's log in a task it owns, so a disconnect ends the following, never
the reply. Any socket of the same session can resume a reply from an index, or stop it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from importlib import import_module
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import conversations, protocol
from chat.protocol import Refusal
from chat.rate_limit import TokenBucket
from chat.replies import get_replies
from chat.replies.following import Follower, replay_saved

# Close codes an application may send (daphne allows 1000 and 3000-4999): 1003/1009 + 3000.
CLOSE_UNSUPPORTED_DATA = 4003
CLOSE_TOO_BIG = 4009


class ChatConsumer(AsyncWebsocketConsumer):
    # No channel of the layer: replies reach followers through the reply log. With
    # channels_redis, a channel would hold a blocking Redis read per socket and delay its close.
    channel_layer_alias = None

    async def connect(self) -> None:
        self.origin = uuid.uuid4().hex
        self.follower: Follower | None = None
        self.following: asyncio.Task[None] | None = None
        # The conversation this socket shows, and the task that hears of its other tabs' asks.
        self.shown: str | None = None
        self.watching: asyncio.Task[None] | None = None
        self.render = True
        self.gone = False
        self.session: str | None = None
        self.asks = TokenBucket(
            per_minute=settings.STREAMDEMO_ASKS_PER_MINUTE, burst=settings.STREAMDEMO_ASK_BURST
        )
        await self.accept()

    async def disconnect(self, code: int) -> None:
        self.gone = True
        await self.unfollow()
        await _cancel(self.watching)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data.encode()) > settings.STREAMDEMO_MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            command = protocol.parse(text_data)
            if isinstance(command, protocol.Ask):
                await self.ask(command)
            elif isinstance(command, protocol.Stop):
                await self.stop(command)
            elif isinstance(command, protocol.Resume):
                await self.resume(command)
            else:
                await self.watch(command)
        except Refusal as refusal:
            await self.send_frame(refusal.frame())

    async def ask(self, ask: protocol.Ask) -> None:
        # The client may ask again as soon as it has the final frame of the reply it follows.
        if self.follower is not None and not self.follower.ended:
            raise Refusal("busy", "A reply is still streaming: stop it or wait for it to end.")
        if not self.asks.take():
            raise Refusal("rate_limited", "Too many questions at once: wait a moment.")
        replies = get_replies()
        reply = await replies.start(ask, self.session_key(), origin=self.origin)
        self.render = ask.render
        await self.follow(reply, after=-1)
        info = await replies.log.info(reply)
        if info is not None:
            await self.show(info.conversation)

    async def stop(self, stop: protocol.Stop) -> None:
        reply = stop.reply or (self.follower.reply if self.follower else None)
        replies = get_replies()
        if (
            reply is None
            or await replies.owned(reply, self.session_key()) is None
            or await replies.log.has_ended(reply)
        ):
            raise Refusal("nothing_to_stop", "No reply is streaming.")
        await replies.stop(reply)

    async def resume(self, resume: protocol.Resume) -> None:
        replies = get_replies()
        self.render = resume.render
        info = await replies.log.info(resume.reply)
        if info is not None:
            if info.session == self.session_key():
                await self.follow(resume.reply, after=resume.after)
                await self.show(info.conversation)
                return
        else:
            # Once the log has forgotten a reply, the saved turn answers for it.
            turn = await conversations.find_turn(resume.reply)
            if turn is not None and turn.conversation.session_key == self.session_key():
                await self.unfollow()
                ending = await conversations.ending_of(turn)
                await replay_saved(turn, ending, resume.after, self.send_frame)
                await self.show(str(turn.conversation_id))
                return
        raise Refusal("not_found", "There is no such reply.", resume.reply)

    async def watch(self, watch: protocol.Watch) -> None:
        """Catch the socket up on the conversation's turns it lacks, then keep it in step."""
        self.render = watch.render
        try:
            turns = await conversations.turns_after(
                self.session_key(), watch.conversation, watch.after
            )
        except conversations.ConversationNotFound:
            raise Refusal("not_found", "There is no such conversation.") from None
        except conversations.Conflict:
            raise Refusal(
                "conflict", "This conversation has changed since this page showed it."
            ) from None
        replies = get_replies()
        for turn in turns:
            if turn.ending is None and await replies.log.info(turn.reply_id) is not None:
                await self.follow(turn.reply_id, after=-1)  # still being written: the last
            else:
                ending = await conversations.ending_of(turn)
                await replay_saved(turn, ending, -1, self.send_frame)
        await self.show(watch.conversation)
        await self.send_frame(protocol.watching(watch.conversation))

    async def follow(self, reply: str, after: int) -> None:
        await self.unfollow()
        self.follower = Follower(get_replies().log, reply, after, self.render, self.send_frame)
        self.following = asyncio.create_task(self.follower.run())

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
        self.watching = asyncio.create_task(self.follow_other_tabs(conversation, watching))
        await asyncio.wait({self.watching, watching}, return_when=asyncio.FIRST_COMPLETED)

    async def follow_other_tabs(self, conversation: str, watching: asyncio.Future[None]) -> None:
        async with get_replies().announcements.watch(conversation) as announced:
            watching.set_result(None)
            async for info in announced:
                if info.origin == self.origin or info.session != self.session_key():
                    continue
                while self.follower is not None and not self.follower.ended:
                    await self.follower.finished.wait()
                await self.follow(info.reply, after=-1)

    def session_key(self) -> str:
        if self.session is None:
            # A socket without a session cookie (the page always has one) is a visitor of its
            # own; a session row saved for it could never be sent back to it as a cookie anyway.
            self.session = browser_session(self.scope) or f"anon-{uuid.uuid4().hex}"
        return self.session

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if not self.gone:
            await self.send(text_data=json.dumps(frame))


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def browser_session(scope: dict[str, Any]) -> str | None:
    """The key of the session the browser's cookie names, read without a query.

    Channels' SessionMiddleware would find the same key, but wraps every frame sent to check
    whether the session needs saving (about 6 µs a frame); this consumer never writes to it.
    """
    cookie = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
    if not cookie:
        return None
    key = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie).session_key
    return str(key) if key else None
