"""What is saved of a turn while its reply streams and when it ends.

Running replies' text is saved in one transaction for all of them (`save_progress`, called by
`chat.replies.checkpoints`); a turn's end is saved as its `Ending` says, and a turn whose end
cannot be saved is marked failed, never left looking as if it still streamed. Replies that end
together have their ends saved together (`save_ending`): one transaction, one hop to the
database thread, for a burst of answers ending at once.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.db import DatabaseError, transaction

from chat.endings import CRASHED, Ending, interrupted
from chat.models import Turn
from chat.per_loop import PerLoop
from chat.rendering.fair_queue import Shares
from chat.turn_renderings import final_rendering
from chat.turn_updates import update_turns

logger = logging.getLogger(__name__)


async def end_turn(reply_id: str, ending: Ending, shares: Shares = ()) -> None:
    """Record how a reply ended, as its `Ending` says, and its final rendering (made in its
    turn as `shares`'s); one that cannot be saved is marked failed (with the text saved
    before), never left looking as if it still streamed."""
    await _end_turn(reply_id, ending, await final_rendering(reply_id, ending.text, shares))


async def _end_turn(reply_id: str, ending: Ending, rendered: str | None) -> None:
    """`end_turn` with its rendering made (None: it could not be, and is made when shown)."""
    try:
        fields = Turn.fields_of(ending)
        await Turn.objects.filter(reply_id=reply_id).aupdate(**fields, rendered=rendered)
    except DatabaseError:
        logger.exception("the end of reply %s could not be saved", reply_id)
        await Turn.objects.filter(reply_id=reply_id).aupdate(**Turn.unsaved())


async def save_progress(progress: dict[str, tuple[str, str]]) -> None:
    """Save the text and thinking of replies still streaming, by reply id, in one transaction."""
    await sync_to_async(_save_progress)(progress)


@transaction.atomic
def _save_progress(progress: dict[str, tuple[str, str]]) -> None:
    # An ending saved meanwhile has the whole text: a checkpoint must not undo it.
    update_turns(
        {
            reply_id: {"answer": text, "reasoning": reasoning}
            for reply_id, (text, reasoning) in progress.items()
        },
        streaming=True,
    )


async def ending_of(turn: Turn) -> Ending:
    """How the turn's reply ended. A turn still marked as streaming whose reply no server runs
    any more (the caller knows) ended when its server stopped: that is recorded now."""
    if turn.ending is not None:
        return turn.ending
    ending = interrupted(
        turn.answer, turn.model, turn.provider or None, CRASHED, reasoning=turn.reasoning
    )
    await end_turn(turn.reply_id, ending)
    return ending


async def save_ending(reply_id: str, ending: Ending, shares: Shares = ()) -> None:
    """`end_turn`, with the ends of other replies that come meanwhile, in one transaction."""
    # Rendered before the end is queued: a rendering in its process does not hold up the others.
    rendered = await final_rendering(reply_id, ending.text, shares)
    await _endings.get().save(reply_id, ending, rendered)


class _Endings:
    """Ends to save: those that come while a save runs are saved by the next one."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[Ending, str | None]] = {}
        self._next: asyncio.Future[None] | None = None
        self._saving: asyncio.Task[None] | None = None

    async def save(self, reply_id: str, ending: Ending, rendered: str | None) -> None:
        self._pending[reply_id] = (ending, rendered)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        saved = self._next
        if self._saving is None or self._saving.done():
            self._saving = asyncio.create_task(self._save_pending())
        await asyncio.shield(saved)

    async def _save_pending(self) -> None:
        while self._next is not None:
            endings, saved = self._pending, self._next
            self._pending, self._next = {}, None
            try:
                await sync_to_async(_end_turns)(endings)
            except DatabaseError:
                # One the database refuses: each alone, so that the others are saved as they are.
                for reply_id, (ending, rendered) in endings.items():
                    await _end_turn(reply_id, ending, rendered)
            except Exception:
                logger.exception("the ends of replies %s could not be saved", list(endings))
            finally:
                saved.set_result(None)


_endings = PerLoop(_Endings)


@transaction.atomic
def _end_turns(endings: dict[str, tuple[Ending, str | None]]) -> None:
    update_turns(
        {
            reply_id: {**Turn.fields_of(ending), "rendered": rendered}
            for reply_id, (ending, rendered) in endings.items()
        }
    )
