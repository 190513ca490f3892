"""The text of running replies, saved as it streams, so that a crash loses only the last moments.

Each reply's text and thinking are saved at most once every `STREAMDEMO_CHECKPOINT_SECONDS`, and
all running replies in one write: the cost does not grow with the speed of the streams. A turn
that has ended is never written here (its ending has the whole text).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from django.conf import settings
from django.db import DatabaseError

from chat import saving
from chat.replies.transcript import Transcript

logger = logging.getLogger(__name__)


class Checkpoints:
    def __init__(self) -> None:
        self._running: dict[str, Transcript] = {}
        self._saved: dict[str, int] = {}
        self._saving = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def track(self, reply: str, transcript: Transcript) -> None:
        self._running[reply] = transcript
        self._saved[reply] = -1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._save_while_running())

    async def untrack(self, reply: str) -> None:
        """Stop saving the reply, and wait for a save in progress (its ending comes next)."""
        self._running.pop(reply, None)
        self._saved.pop(reply, None)
        async with self._saving:
            pass
        if not self._running:
            await self.close()

    async def save(self) -> None:
        """Save what the running replies have streamed since they were last saved."""
        async with self._saving:
            changed = {
                reply: transcript
                for reply, transcript in self._running.items()
                if transcript.seq > self._saved[reply]
            }
            if not changed:
                return
            seqs = {reply: transcript.seq for reply, transcript in changed.items()}
            try:
                await saving.save_progress(
                    {reply: (t.text, t.reasoning) for reply, t in changed.items()}
                )
            except DatabaseError:
                # Tried again at the next checkpoint; the ending saves the whole text anyway.
                logger.exception("the text of running replies could not be saved")
                return
            for reply, seq in seqs.items():
                if reply in self._saved:
                    self._saved[reply] = seq

    async def close(self) -> None:
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _save_while_running(self) -> None:
        while self._running:
            await asyncio.sleep(settings.STREAMDEMO_CHECKPOINT_SECONDS)
            await self.save()
