"""Replies that outlive the socket that asked for them.

`Replies.start` stores the question as a new turn and answers it in a task this process owns,
not the socket: the task streams from `astream_answer` into the reply log until the answer
ends, a stop is asked for (from any socket following it), or nobody has followed it for
`STREAMDEMO_REPLY_GRACE_SECONDS`. Its text is saved as it streams (`Checkpoints`); however it
ends, the task makes the reply's `Ending`, closes the log with it and has `conversations` save it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.conf import settings

from chat.endings import RESTARTED, STOPPED, Ending, interrupted
from chat.per_loop import PerLoop
from chat.protocol import Ask, Refusal
from chat.replies import admission, turns
from chat.replies.admission import running_groups
from chat.replies.announcements import Announcements
from chat.replies.checkpoints import Checkpoints
from chat.replies.log import ReplyInfo, ReplyLog
from chat.replies.transcript import AnswerTooLong, Transcript
from chat.upstream.answering import Messages
from chat.upstream.backends import Backend
from chat.upstream.completions import astream_answer
from chat.upstream.errors import CompletionError, hidden

logger = logging.getLogger(__name__)


class Replies:
    """The owner of every reply task in this process."""

    def __init__(self, log: ReplyLog, announcements: Announcements) -> None:
        self.log = log
        self.announcements = announcements
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Asyncio locks and tasks belong to one loop; a test run may go through several.
        self._checkpoints = PerLoop(Checkpoints)
        self._shutting_down = False

    def running(self) -> int:
        loop = asyncio.get_running_loop()
        return sum(1 for t in self._tasks.values() if not t.done() and t.get_loop() is loop)

    async def start(
        self, ask: Ask, session: str, origin: str = "", address: str | None = None
    ) -> str:
        """Store the question as a new turn, start answering it, and return the reply's id.

        A question that begins a conversation goes upstream while its turn is stored (`turns`).
        `Refusal` when a limit is reached or the ask cannot be met (see `admission`),
        when the turn to regenerate is no longer the last, or when the conversation is not the
        session's.
        """
        claimed = await admission.claim(self.log, ask, session, address, self.running())
        reply = claimed.reply
        asked_at = time.time()
        backend = Backend.from_settings(model=ask.model, provider=ask.provider)
        try:
            storing = await turns.begin(ask, session, reply, backend)
        except Refusal:
            await admission.give_back(self.log, claimed)
            raise
        begun = storing.begun
        if ask.conversation is None:
            await self.log.claim(begun.conversation, reply)
        info = ReplyInfo(
            reply=reply,
            session=session,
            conversation=begun.conversation,
            title=begun.title,
            question=ask.question,
            model=backend.model,
            provider=backend.label,
            left_out=begun.left_out,
            replaces=begun.replaces,
            asked_at=asked_at,
            origin=origin,
            address=address,
        )
        await admission.open_log(self.log, claimed, info)
        stored = storing.store(ask, session, reply, backend)
        await self.announcements.announce(info)
        task = asyncio.create_task(self._run(info, backend, begun.messages, stored), name=reply)
        self._tasks[reply] = task
        task.add_done_callback(lambda _: self._tasks.pop(reply, None))
        return reply

    async def stop(self, reply: str) -> None:
        await self.log.request_stop(reply)

    async def until_idle(self) -> None:
        """Wait for this loop's replies to end (they end by themselves, or by stop or grace)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *[t for t in self._tasks.values() if t.get_loop() is loop], return_exceptions=True
        )

    async def shutdown(self) -> None:
        """End every reply now, as interrupted; each is saved with all the text it streamed."""
        self._shutting_down = True
        try:
            tasks = list(self._tasks.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for checkpoints in self._checkpoints.all():
                await checkpoints.close()
        finally:
            self._shutting_down = False

    async def _run(
        self, info: ReplyInfo, backend: Backend, messages: Messages, stored: asyncio.Future[None]
    ) -> None:
        relay = asyncio.create_task(self._relay(info, backend, messages, stored))
        watch = asyncio.create_task(
            self.log.until_stopped_or_abandoned(info.reply, settings.STREAMDEMO_REPLY_GRACE_SECONDS)
        )
        try:
            await asyncio.wait({relay, watch}, return_when=asyncio.FIRST_COMPLETED)
            if watch.done() and not watch.cancelled() and watch.exception() is None:
                logger.info("reply %s ends early: %s", info.reply, watch.result())
        finally:
            for task in (relay, watch):
                task.cancel()
            for result in await asyncio.gather(relay, watch, return_exceptions=True):
                if isinstance(result, Exception):
                    logger.error("reply %s: %r", info.reply, result, exc_info=result)
            await asyncio.wait({stored})  # its turn, stored in the background: not left behind

    async def _relay(
        self, info: ReplyInfo, backend: Backend, messages: Messages, stored: asyncio.Future[None]
    ) -> None:
        reply = info.reply
        transcript = Transcript(info.asked_at, int(settings.STREAMDEMO_MAX_ANSWER_BYTES))
        checkpoints = self._checkpoints.get()
        checkpoints.track(reply, transcript)
        stream = astream_answer(messages, backend)
        ending: Ending | None = None
        try:
            async for piece in stream:
                turns.check(stored)
                if transcript.seq < 0:
                    # The start frame names which of several candidates answered, and when.
                    await self.log.began(reply, (stream.used or backend).label, transcript.ms())
                await self.log.append(reply, transcript.add(piece))
                transcript.check_size()
            outcome = stream.outcome
            assert outcome is not None  # a stream that ends without an error has judged its end
            ending = transcript.ending(
                status="done",
                model=outcome.model,
                provider=outcome.provider,
                finish_reason=outcome.finish_reason,
                usage=outcome.usage,
                usage_reported=outcome.usage_reported,
            )
        except asyncio.CancelledError:
            await stream.aclose()
            provider = (stream.used or backend).label
            if self._shutting_down:
                ending = interrupted(
                    transcript.text,
                    backend.model,
                    provider,
                    RESTARTED,
                    reasoning=transcript.reasoning,
                    stats=transcript.stats(),
                )
            else:
                ending = transcript.ending(
                    status="stopped", model=backend.model, provider=provider, finish_reason=STOPPED
                )
            raise
        except (CompletionError, turns.NotStored, AnswerTooLong) as error:
            # What the backend sent, exactly, is in the cause: for this log, not for the reader,
            # and without the key or password it may echo.
            logger.warning("reply %s failed: %s (%s)", reply, error, hidden(error, backend))
            await stream.aclose()
            ending = transcript.ending(
                status="failed",
                model=backend.model,
                provider=(stream.used or backend).label,
                error_code=error.code,
                error_message=str(error),
            )
        finally:
            await checkpoints.untrack(reply)
            if ending is not None:
                try:
                    await self.log.close(reply, ending)
                finally:
                    shares = running_groups(info.session, info.address)
                    await turns.end(stored, reply, ending, shares)
