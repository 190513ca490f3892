"""The `/ws/chat/` consumer: one socket's frames parsed, its limits applied, replies followed.

A reply belongs to `chat.replies`, not to the socket that asked: this consumer starts one and
then only follows the reply's log in a task it owns, so a disconnect ends the following, never
the reply. Any socket of the same session can resume a reply from an index, or stop it. A
socket without a live session may follow nothing and store nothing (`chat.sessions`); what
one visitor may do across its sockets is counted in `chat.limits`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import conversations, protocol
from chat.limits import get_limits, visitor_of
from chat.protocol import Refusal
from chat.replies import get_replies
from chat.replies.following import Follower, replay_saved

# Close codes an application may send (daphne allows 1000 and 3000-4999): 1003/1009/1013 + 3000.
CLOSE_UNSUPPORTED_DATA = 4003
CLOSE_TOO_BIG = 4009
CLOSE_TRY_AGAIN_LATER = 4013

logger = logging.getLogger(__name__)


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
        # The reply this socket asked last: it may ask again once that one has ended.
        self.asked: str | None = None
        self.render: protocol.Render = True
        self.gone = False
        self.admitted = False
        self.visitor = await visitor_of(self.scope)
        self.admitted = await get_limits().admit(self.visitor, self.origin)
        await self.accept()
        if not self.admitted:
            # Accepted first, so that the client hears why: this visitor has too many sockets.
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def disconnect(self, code: int) -> None:
        self.gone = True
        await self.unfollow()
        await _cancel(self.watching)
        if self.admitted:
            await get_limits().release(self.visitor, self.origin)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data.encode(errors="surrogatepass")) > settings.STREAMDEMO_MAX_FRAME_BYTES:
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
        except Exception:
            # Whatever went wrong, the frame is answered and the socket lives on.
            logger.exception("a frame could not be handled")
            await self.send_frame(
                protocol.error(None, "server_error", "The server could not handle that message.")
            )

    async def ask(self, ask: protocol.Ask) -> None:
        session = self.visitor.session
        if session is None:
            raise Refusal(
                "no_session",
                "This page has no session: allow cookies for this site, then reload the page.",
            )
        replies = get_replies()
        if await self.still_streaming():
            raise Refusal("busy", "A reply is still streaming: stop it or wait for it to end.")
        if not await get_limits().allow("ask", self.visitor):
            raise Refusal("rate_limited", "Too many questions at once: wait a moment.")
        reply = await replies.start(ask, session, origin=self.origin, address=self.visitor.address)
        self.asked = reply
        self.render = ask.render
        await self.follow(reply, after=-1)
        info = await replies.log.info(reply)
        if info is not None:
            await self.show(info.conversation)

    async def still_streaming(self) -> bool:
        """Whether the reply this socket asked still streams: the client may ask again as soon
        as it has that reply's final frame, whichever reply it has followed since."""
        if self.asked is None:
            return False
        if self.follower is not None and self.follower.reply == self.asked:
            # Told as the final frame goes out, with no wait between this and a refusal.
            return not self.follower.ended
        return not await get_replies().log.has_ended(self.asked)

    async def stop(self, stop: protocol.Stop) -> None:
        reply = stop.reply or (self.follower.reply if self.follower else None)
        replies = get_replies()
        info = await replies.log.info(reply) if reply else None
        # Another session's reply is as unknown here as one that does not exist.
        if (
            info is None
            or info.session != self.visitor.session
            or await replies.log.has_ended(info.reply)
        ):
            raise Refusal("nothing_to_stop", "No reply is streaming.")
        await replies.stop(info.reply)

    async def resume(self, resume: protocol.Resume) -> None:
        if not await get_limits().allow("resume", self.visitor):
            raise Refusal("rate_limited", "Too many resumes at once: wait a moment.", resume.reply)
        self.render = resume.render
        session = self.visitor.session
        if session is None or not await self.resume_own(resume, session):
            raise Refusal("not_found", "There is no such reply.", resume.reply)

    async def resume_own(self, resume: protocol.Resume, session: str) -> bool:
        """Follow the reply if it is the session's; False (and nothing sent) if not."""
        info = await get_replies().log.info(resume.reply)
        if info is not None:
            if info.session != session:
                return False
            await self.follow(resume.reply, after=resume.after)
            await self.show(info.conversation)
            return True
        # Once the log has forgotten a reply, the saved turn answers for it.
        turn = await conversations.find_turn(resume.reply)
        if turn is None or turn.conversation.session_key != session:
            return False
        await self.unfollow()
        ending = await conversations.ending_of(turn)
        await replay_saved(turn, ending, resume.after, self.send_frame, self.render)
        await self.show(str(turn.conversation_id))
        return True

    async def watch(self, watch: protocol.Watch) -> None:
        """Catch the socket up on the conversation's turns it lacks, then keep it in step."""
        session = self.visitor.session
        if session is None:
            raise Refusal("not_found", "There is no such conversation.")
        self.render = watch.render
        try:
            turns = await conversations.turns_after(session, watch.conversation, watch.after)
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
                await replay_saved(turn, ending, -1, self.send_frame, self.render)
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
                if info.origin == self.origin or info.session != self.visitor.session:
                    continue
                while self.follower is not None and not self.follower.ended:
                    await self.follower.finished.wait()
                await self.follow(info.reply, after=-1)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if not self.gone:
            await self.send(text_data=json.dumps(frame))


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
