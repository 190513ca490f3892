"""What is saved of a turn while its reply streams and when it ends.

Running replies' text is saved in one transaction for all of them (`save_progress`, called by
`chat.replies.checkpoints`); a turn's end is saved as its `Ending` says, and a turn whose end
cannot be saved is marked failed, never left looking as if it still streamed.
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.db import DatabaseError, transaction

from chat.endings import CRASHED, Ending, interrupted
from chat.models import Turn

logger = logging.getLogger(__name__)


async def end_turn(reply_id: str, ending: Ending) -> None:
    """Record how a reply ended, as its `Ending` says; one that cannot be saved is marked failed
    (with the text saved before), never left looking as if it still streamed."""
    try:
        await Turn.objects.filter(reply_id=reply_id).aupdate(**Turn.fields_of(ending))
    except DatabaseError:
        logger.exception("the end of reply %s could not be saved", reply_id)
        await Turn.objects.filter(reply_id=reply_id).aupdate(**Turn.unsaved())


async def save_progress(progress: dict[str, tuple[str, str]]) -> None:
    """Save the text and thinking of replies still streaming, by reply id, in one transaction."""
    await sync_to_async(_save_progress)(progress)


@transaction.atomic
def _save_progress(progress: dict[str, tuple[str, str]]) -> None:
    for reply_id, (text, reasoning) in progress.items():
        # An ending saved meanwhile has the whole text: a checkpoint must not undo it.
        Turn.objects.filter(reply_id=reply_id, status=Turn.Status.STREAMING).update(
            answer=text, reasoning=reasoning
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
