"""The `/ws/chat/` consumer: speaks `chat.protocol` and relays `AsyncClient` deltas as they come.

The reply streams in a task the consumer owns, so `receive` returns at once and a `stop` or a
disconnect is handled while the answer is still coming; cancelling the task closes the
upstream request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from chat import protocol
from chat.completions import Backend, CompletionError, astream_answer

logger = logging.getLogger(__name__)


class ChatConsumer(AsyncWebsocketConsumer):
    reply_task: asyncio.Task[None] | None = None
    gone = False

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_frame(protocol.error(None, "binary_frame", "Send JSON text frames."))
            return
        try:
            command = protocol.parse(text_data)
        except protocol.ProtocolError as error:
            await self.send_frame(protocol.error(None, error.code, error.message))
            return
        if isinstance(command, protocol.Ask):
            await self.ask(command)
        elif isinstance(command, protocol.Stop):
            await self.stop()
        else:
            await self.send_frame(
                protocol.error(command.reply, "not_found", "There is no such reply to resume.")
            )

    async def ask(self, ask: protocol.Ask) -> None:
        if self.reply_task is not None and not self.reply_task.done():
            await self.send_frame(
                protocol.error(None, "busy", "A reply is still streaming: stop it or wait for it.")
            )
            return
        backend = Backend.from_settings(model=ask.model, provider=ask.provider)
        messages = [{"role": "user", "content": ask.question}]
        self.reply_task = asyncio.create_task(self.relay(uuid.uuid4().hex, backend, messages))

    async def stop(self) -> None:
        task = self.reply_task
        if task is None or task.done():
            await self.send_frame(protocol.error(None, "nothing_to_stop", "No reply is streaming."))
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def disconnect(self, code: int) -> None:
        self.gone = True
        if self.reply_task is not None:
            self.reply_task.cancel()
            await asyncio.gather(self.reply_task, return_exceptions=True)

    async def relay(self, reply: str, backend: Backend, messages: list[dict[str, str]]) -> None:
        await self.send_frame(protocol.start(reply, backend.model, backend.label))
        seq = 0
        stream = astream_answer(messages, backend)
        try:
            async for content in stream:
                await self.send_frame(protocol.delta(reply, seq, content))
                seq += 1
        except asyncio.CancelledError:
            await stream.aclose()
            await self.send_frame(protocol.done(reply, "stopped"))
            raise
        except CompletionError as error:
            logger.warning("reply %s failed: %s", reply, error)
            await self.send_frame(protocol.error(reply, error.code, str(error)))
            return
        outcome = stream.outcome
        await self.send_frame(
            protocol.done(
                reply,
                outcome.finish_reason if outcome else "stop",
                provider=outcome.provider if outcome else backend.label,
                model=outcome.model if outcome else backend.model,
                usage=outcome.usage if outcome else None,
            )
        )

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if not self.gone:
            await self.send(text_data=json.dumps(frame))
