"""The stored turn of a reply: its beginning before, or while, the reply starts; its ending after.

A question in an existing conversation needs the conversation's earlier turns before it can go
upstream, so its turn is stored first, in the same transaction as that read. A question that
begins a conversation needs nothing from the database: it goes upstream at once while its turn
is stored, so a burst of new conversations does not queue its first pieces behind database
writes. The ending of a turn is saved only once its beginning is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError

from chat import conversations, saving
from chat.conversations import Begun
from chat.endings import Ending
from chat.protocol import Ask
from chat.rendering.fair_queue import Shares
from chat.replies import admission
from chat.upstream.backends import Backend

logger = logging.getLogger(__name__)


class NotStored(Exception):
    """The turn of a running reply could not be stored: its answer would never be found again,
    so the reply ends, failed."""

    code = "not_saved"

    def __init__(self) -> None:
        super().__init__("The server could not save this question, so it stopped answering it.")


@dataclass
class Storing:
    begun: Begun
    # Stored already, or to be stored in the background once the reply is under way.
    stored: bool

    def store(self, ask: Ask, session: str, reply: str, backend: Backend) -> asyncio.Future[None]:
        """The storing of the turn, begun now if it is not done already."""
        if self.stored:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        storing = _store(ask, session, reply, backend, new_conversation=self.begun.conversation)
        return asyncio.ensure_future(_stored(storing))


async def begin(ask: Ask, session: str, reply: str, backend: Backend) -> Storing:
    """What the model receives for the ask, and its turn stored unless it can be stored later;
    a `Refusal` when it cannot be stored (see `admission.refusal`)."""
    if ask.conversation is None and ask.regenerate is None:
        return Storing(conversations.new_turn(ask.question), stored=False)
    try:
        return Storing(await _store(ask, session, reply, backend), stored=True)
    except (conversations.ConversationNotFound, conversations.Conflict, IntegrityError) as e:
        raise admission.refusal(e, reply) from None


def check(stored: asyncio.Future[None]) -> None:
    """`NotStored` once the turn's storing has failed."""
    if stored.done() and stored.exception() is not None:
        raise NotStored from stored.exception()


async def end(
    stored: asyncio.Future[None], reply: str, ending: Ending, shares: Shares = ()
) -> None:
    """Save how the reply ended, and its rendering (made in its turn as `shares`'s), once its
    turn is stored; nothing if it could not be. A cancel that comes meanwhile (the server
    stopping) waits for the save, then goes on."""
    saving = asyncio.ensure_future(_end(stored, reply, ending, shares))
    try:
        await asyncio.shield(saving)
    except asyncio.CancelledError:
        await saving
        raise


async def _end(stored: asyncio.Future[None], reply: str, ending: Ending, shares: Shares) -> None:
    await asyncio.wait({stored})
    if stored.exception() is None:
        await saving.save_ending(reply, ending, shares)


def _store(
    ask: Ask, session: str, reply: str, backend: Backend, new_conversation: str | None = None
) -> Coroutine[Any, Any, Begun]:
    return conversations.begin_turn(
        session_key=session,
        conversation_id=ask.conversation,
        question=ask.question,
        model=backend.model,
        provider=backend.label,
        reply_id=reply,
        regenerate=ask.regenerate,
        new_conversation=new_conversation,
    )


async def _stored(storing: Coroutine[Any, Any, Begun]) -> None:
    try:
        await storing
    except Exception:
        logger.exception("a new conversation's first turn could not be stored")
        raise
