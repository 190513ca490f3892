"""The `/ws/chat/` consumer: one socket's frames parsed, its limits applied, replies followed.

A reply belongs to `chat.replies`, not to the socket that asked: this consumer starts one and
then only follows the reply's log (`chat.socket_replies`), so a disconnect ends the following,
never the reply. Any socket of the same session can resume a reply from an index, or stop it.
A socket without a live session may follow nothing and store nothing (`chat.sessions`); what
one visitor may do across its sockets is counted in `chat.limits`, and what it may leave
unread in `chat.window`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from channels.db import aclose_old_connections
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import conversations, protocol
from chat.inbound import Inbound
from chat.limits import get_limits, visitor_of
from chat.protocol import Refusal
from chat.replies import get_replies
from chat.socket_replies import SocketReplies
from chat.transport import SEND_FAILED
from chat.unread_budget import unread_budget_here
from chat.window import Window

# Close codes daphne lets an application send (1000, 3000-4999): 1003/1008/1009/1013 + 3000.
CLOSE_UNSUPPORTED_DATA = 4003
CLOSE_UNREAD = 4008
CLOSE_TOO_BIG = 4009
CLOSE_TRY_AGAIN_LATER = 4013

logger = logging.getLogger(__name__)


class ChatConsumer(AsyncWebsocketConsumer):
    # No channel of the layer: replies reach followers through the reply log. With
    # channels_redis, a channel would hold a blocking Redis read per socket and delay its close.
    channel_layer_alias = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.admitted = False
        self.connected = self.let_go = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # What the client sends is taken in as fast as it is handled, within the visitor's share.
        self.inbound = Inbound(receive)
        try:
            await super().__call__(scope, self.inbound, send)
        finally:
            # daphne cancels a consumer still busy 10 s after its client went (one that sent
            # a long queue of frames before it went, say), and `disconnect` then never runs:
            # what it lets go is let go here whatever happened.
            await self._let_go()

    async def connect(self) -> None:
        self.origin = uuid.uuid4().hex
        # The reply this socket asked last: it may ask again once that one has ended.
        self.asked: str | None = None
        self.gone = False
        self.tidying: asyncio.Future[None] | None = None
        self.window = Window(int(settings.STREAMDEMO_SOCKET_WINDOW_BYTES), unread_budget_here())
        self.visitor = visitor = await visitor_of(self.scope)
        self.replies = SocketReplies(self.origin, visitor.session, self.window, self.send_frame)
        self.connected = True
        self.admitted = await get_limits().admit(self.visitor, self.origin)
        await self.accept()
        self.window.pressure.attach(self.base_send)
        self.inbound.pressure, self.inbound.visitor = self.window.pressure, visitor
        if not self.admitted:
            # Accepted first, so that the client hears why: this visitor has too many sockets.
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def disconnect(self, code: int) -> None:
        await self._let_go()

    async def _let_go(self) -> None:
        """Stop counting the socket, following replies and sending; done once."""
        self.gone = True
        if self.let_go or not self.connected:
            return
        self.let_go = True
        self.inbound.close()
        self.window.pressure.detach()
        self.window.close()
        # Released first: whatever happens to the rest, the socket no longer counts.
        if self.admitted:
            await get_limits().release(self.visitor, self.origin)
        await self.replies.close()
        if self.tidying is not None:
            await asyncio.gather(self.tidying, return_exceptions=True)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes old database connections before each message, in the database
        # thread, and waits: an ask, an ack, would wait behind every write queued there.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.window.pressure.lost:
            # The client has gone: what it sent before going, nobody would hear answered.
            return
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data.encode(errors="surrogatepass")) > settings.STREAMDEMO_MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            command = protocol.parse(text_data)
            if isinstance(command, protocol.Ack):
                self.window.ack(command.frames)
                return
            # Done in the database thread as Channels would, but without this message waiting.
            self.tidying = asyncio.ensure_future(aclose_old_connections())
            if isinstance(command, protocol.Ask):
                await self.ask(command)
            elif isinstance(command, protocol.Stop):
                await self.stop(command)
            elif isinstance(command, protocol.Resume):
                await self.resume(command)
            else:
                await self.watch(command)
        except Refusal as refusal:
            await self.answer(refusal.frame())
        except Exception:
            # Whatever went wrong, the frame is answered and the socket lives on.
            logger.exception("a frame could not be handled")
            await self.answer(
                protocol.error(None, "server_error", "The server could not handle that message.")
            )

    async def ask(self, ask: protocol.Ask) -> None:
        session = self.visitor.session
        if session is None:
            raise Refusal(
                "no_session",
                "This page has no session: allow cookies for this site, then reload the page.",
            )
        if await self.still_streaming():
            raise Refusal("busy", "A reply is still streaming: stop it or wait for it to end.")
        if not await get_limits().allow("ask", self.visitor):
            raise Refusal("rate_limited", "Too many questions at once: wait a moment.")
        replies = get_replies()
        reply = await replies.start(ask, session, origin=self.origin, address=self.visitor.address)
        self.asked, self.replies.render = reply, ask.render
        await self.replies.follow(reply, after=-1)
        info = await replies.log.info(reply)
        if info is not None:
            await self.replies.show(info.conversation)

    async def still_streaming(self) -> bool:
        """Whether the reply this socket asked still streams (until its final frame)."""
        if self.asked is None:
            return False
        follower = self.replies.follower
        if follower is not None and follower.reply == self.asked:
            # Told as the final frame goes out, with no wait between this and a refusal.
            return not follower.ended
        return not await get_replies().log.has_ended(self.asked)

    async def stop(self, stop: protocol.Stop) -> None:
        follower = self.replies.follower
        reply = stop.reply or (follower.reply if follower else None)
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
        self.replies.render = resume.render
        session = self.visitor.session
        if session is None or not await self.replies.resume(resume.reply, resume.after):
            raise Refusal("not_found", "There is no such reply.", resume.reply)

    async def watch(self, watch: protocol.Watch) -> None:
        """Catch the socket up on the conversation's turns it lacks, then keep it in step."""
        session = self.visitor.session
        if session is None:
            raise Refusal("not_found", "There is no such conversation.")
        # A catch-up costs what a resume does, and counts as one.
        if not await get_limits().allow("resume", self.visitor):
            raise Refusal("rate_limited", "Too many resumes at once: wait a moment.")
        self.replies.render = watch.render
        try:
            turns = await conversations.turns_after(session, watch.conversation, watch.after)
        except conversations.ConversationNotFound:
            raise Refusal("not_found", "There is no such conversation.") from None
        except conversations.Conflict:
            raise Refusal(
                "conflict", "This conversation has changed since this page showed it."
            ) from None
        # Sent as a reply's frames are, paced by the window, while the socket reads on.
        await self.replies.catch_up(turns, watch.conversation)

    async def answer(self, frame: dict[str, Any]) -> None:
        """Send a frame that answers the client's own message, without waiting for an ack: the
        socket reads no more, acks included, until it is sent. It waits while the connection
        holds too much unsent (a flood of refused messages would otherwise pile up in daphne),
        and is not sent to a client too far behind: that socket is closed."""
        await self.window.until_drained()
        if self.window.overrun and not self.gone:
            self.gone = True
            await self.close(code=CLOSE_UNREAD)
        await self.send_frame(frame)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        """Send a frame, counted in the socket's window."""
        if self.gone:
            return
        text = json.dumps(frame)  # ASCII only: its length is its size in bytes
        self.window.sending(len(text))
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except SEND_FAILED:
            # The client closed the socket as this was sent: nobody is there to read it.
            self.gone = True
