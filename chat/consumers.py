"""The `/ws/chat/` consumer: speaks `chat.protocol`, starts replies and follows them.

A reply belongs to `chat.replies`, not to the socket that asked: this consumer only follows
the reply's log in a task it owns, so a disconnect ends the following, never the reply. Any
socket of the same session can resume a reply from an index or stop it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from importlib import import_module
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import IntegrityError

from chat import conversations, protocol
from chat.backends import Backend
from chat.following import follow, replay_saved
from chat.rate_limit import TokenBucket
from chat.replies import Ended, get_replies

# Close codes an application may send (daphne allows 1000 and 3000-4999): 1003/1009 + 3000.
CLOSE_UNSUPPORTED_DATA = 4003
CLOSE_TOO_BIG = 4009


class ChatConsumer(AsyncWebsocketConsumer):
    # No channel of the layer: replies reach followers through the reply log. With
    # channels_redis, a channel would hold a blocking Redis read per socket and delay its close.
    channel_layer_alias = None

    async def connect(self) -> None:
        self.following: asyncio.Task[None] | None = None
        self.followed: str | None = None
        # Set as the followed reply's final frame goes out: the client may ask again at once,
        # while the following task still tidies up.
        self.followed_ended = False
        self.gone = False
        self.session: str | None = None
        self.asks = TokenBucket(
            per_minute=settings.STREAMDEMO_ASKS_PER_MINUTE, burst=settings.STREAMDEMO_ASK_BURST
        )
        await self.accept()

    async def disconnect(self, code: int) -> None:
        self.gone = True
        await self.unfollow()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data.encode()) > settings.STREAMDEMO_MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            command = protocol.parse(text_data)
        except protocol.ProtocolError as error:
            await self.refuse(error.code, error.message)
            return
        if isinstance(command, protocol.Ask):
            await self.ask(command)
        elif isinstance(command, protocol.Stop):
            await self.stop(command)
        else:
            await self.resume(command)

    async def ask(self, ask: protocol.Ask) -> None:
        if self.following is not None and not self.following.done() and not self.followed_ended:
            await self.refuse("busy", "A reply is still streaming: stop it or wait for it to end.")
            return
        if not self.asks.take():
            await self.refuse("rate_limited", "Too many questions at once: wait a moment.")
            return
        replies = get_replies()
        if replies.running() >= settings.STREAMDEMO_MAX_REPLIES:
            await self.refuse("busy", "The server is answering too many questions: try again soon.")
            return
        session = self.session_key()
        reply = ask.reply or uuid.uuid4().hex
        if ask.reply and await replies.log.meta(reply) is not None:
            await self.refuse("duplicate_reply", "That reply id is already in use.", reply)
            return
        backend = Backend.from_settings(model=ask.model, provider=ask.provider)
        try:
            conversation, messages = await conversations.begin_turn(
                session_key=session,
                conversation_id=ask.conversation,
                question=ask.question,
                model=backend.model,
                provider=backend.label,
                reply_id=reply,
                regenerate=ask.regenerate,
            )
        except conversations.ConversationNotFound:
            await self.refuse("not_found", "There is no such conversation.")
            return
        except IntegrityError:
            await self.refuse("duplicate_reply", "That reply id is already in use.", reply)
            return
        meta = {
            "model": backend.model,
            "provider": backend.label,
            "conversation": conversation,
            "question": ask.question,
            "session": session,
        }
        await replies.start(reply, backend, messages, meta, on_end=save)
        await self.follow(reply, after=-1, render=ask.render)

    async def stop(self, stop: protocol.Stop) -> None:
        reply = stop.reply or self.followed
        replies = get_replies()
        meta = await replies.log.meta(reply) if reply else None
        if not self.owns(meta) or await replies.log.has_ended(reply):
            await self.refuse("nothing_to_stop", "No reply is streaming.")
            return
        await replies.stop(reply)

    async def resume(self, resume: protocol.Resume) -> None:
        meta = await get_replies().log.meta(resume.reply)
        if meta is not None:
            if self.owns(meta):
                await self.follow(resume.reply, after=resume.after, render=resume.render)
                return
        else:
            # Once the log has forgotten a reply, the saved turn answers for it.
            turn = await conversations.find_turn(resume.reply)
            if turn is not None and turn.conversation.session_key == self.session_key():
                await self.unfollow()
                await replay_saved(turn, resume.after, self.send_frame)
                return
        await self.refuse("not_found", "There is no such reply.", resume.reply)

    def owns(self, meta: dict[str, Any] | None) -> bool:
        """Whether a reply's log entry belongs to this socket's session."""
        return meta is not None and meta["session"] == self.session_key()

    async def follow(self, reply: str, after: int, render: bool) -> None:
        await self.unfollow()
        self.followed, self.followed_ended = reply, False
        self.following = asyncio.create_task(
            follow(get_replies().log, reply, after, render, self.send_frame)
        )

    async def unfollow(self) -> None:
        if self.following is not None:
            self.following.cancel()
            await asyncio.gather(self.following, return_exceptions=True)
            self.following = None

    def session_key(self) -> str:
        if self.session is None:
            # A socket without a session cookie (the page always has one) is a visitor of its
            # own; a session row saved for it could never be sent back to it as a cookie anyway.
            self.session = browser_session(self.scope) or f"anon-{uuid.uuid4().hex}"
        return self.session

    async def refuse(self, code: str, message: str, reply: str | None = None) -> None:
        await self.send_frame(protocol.error(reply, code, message))

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] in ("done", "error") and frame.get("reply") == self.followed:
            self.followed_ended = True
        if not self.gone:
            await self.send(text_data=json.dumps(frame))


def browser_session(scope: dict[str, Any]) -> str | None:
    """The key of the session the browser's cookie names, read without a query.

    Channels' SessionMiddleware would find the same key, but wraps every frame sent to check
    whether the session needs saving (about 6 µs a frame); this consumer never writes to it.
    """
    cookie = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
    if not cookie:
        return None
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie).session_key


async def save(ended: Ended) -> None:
    frame = ended.frame
    await conversations.end_turn(
        reply_id=ended.reply,
        text=ended.text,
        status=ended.status,
        error=frame.get("message", "") if frame["type"] == "error" else "",
        model=frame.get("model") or "",
        provider=frame.get("provider"),
        stats={**(frame.get("stats") or {}), "usage": frame.get("usage")},
    )
