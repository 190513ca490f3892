"""What the app keeps of a chat: the async calls the consumer makes and the reads the views make.

Each browser sees only its own conversations: every lookup is by the session key as well as the
id, and a foreign id is indistinguishable from an unknown one. The async functions run their
queries in Django's database thread (`sync_to_async`), a turn's in one transaction (`saving`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from chat.context import Message, messages_for
from chat.inserts import insert
from chat.models import Conversation, Turn, title_from

logger = logging.getLogger(__name__)


class ConversationNotFound(Exception):
    """No conversation with that id belongs to this session."""


class Conflict(Exception):
    """The turn to regenerate is no longer the conversation's last: another tab asked since;
    or a reply a client takes for the conversation's is no longer in it."""


@dataclass(frozen=True)
class Begun:
    """A turn just stored, and what the model is to receive for it."""

    conversation: str
    title: str
    messages: list[Message]
    # How many of the conversation's earlier turns the context budget left out.
    left_out: int
    # The reply whose turn this one replaced, when regenerating.
    replaces: str | None


async def begin_turn(
    *,
    session_key: str,
    conversation_id: str | None,
    question: str,
    model: str,
    provider: str | None,
    reply_id: str,
    regenerate: str | None = None,
    new_conversation: str | None = None,
) -> Begun:
    """Store a new streaming turn, and say what to send upstream for it.

    With `regenerate`, the reply of the conversation's last turn, that turn is replaced by this
    one; `Conflict` if it is no longer the last. Without `conversation_id`, a new conversation
    is created, with the id `new_conversation` if given (see `new_turn`).
    """
    return await sync_to_async(_begin_turn)(
        session_key,
        conversation_id,
        question,
        model,
        provider,
        reply_id,
        regenerate,
        new_conversation,
    )


def new_turn(question: str) -> Begun:
    """The first turn of a new conversation, as `begin_turn` will store it, known at once: it
    has no history to read, so its question can go upstream while it is being stored."""
    messages, left_out = messages_for([], question, settings.STREAMDEMO_CONTEXT_CHARS)
    return Begun(str(uuid.uuid4()), title_from(question), messages, left_out, None)


@transaction.atomic
def _begin_turn(
    session_key: str,
    conversation_id: str | None,
    question: str,
    model: str,
    provider: str | None,
    reply_id: str,
    regenerate: str | None,
    new_conversation: str | None,
) -> Begun:
    earlier: list[Turn] = []
    if conversation_id is None:
        if regenerate:
            raise Conflict(regenerate)
        # A new conversation has no history and was created just now: two queries fewer per ask.
        conversation = Conversation(
            id=uuid.UUID(new_conversation) if new_conversation else uuid.uuid4(),
            session_key=session_key,
            title=title_from(question),
        )
        insert(conversation)
    else:
        conversation = _owned(session_key, conversation_id, for_update=True)
        earlier = list(conversation.turns.all())
        if regenerate:
            if not earlier or earlier[-1].reply_id != regenerate:
                raise Conflict(regenerate)
            earlier.pop().delete()
        conversation.save(update_fields=["updated"])
    messages, left_out = messages_for(earlier, question, settings.STREAMDEMO_CONTEXT_CHARS)
    insert(
        Turn(
            conversation=conversation,
            reply_id=reply_id,
            question=question,
            model=model,
            provider=provider or "",
            left_out=left_out,
        )
    )
    return Begun(str(conversation.id), conversation.title, messages, left_out, regenerate)


async def turns_after(session_key: str, conversation_id: str, reply_id: str | None) -> list[int]:
    """The keys of the session's conversation's turns after the one of `reply_id` (all,
    without one), in order: a catch-up loads each turn (`turn_of`) as it comes to send it, so
    a socket that stops reading holds one turn, not the conversation.

    `ConversationNotFound` for another session's or an unknown conversation, `Conflict` when
    the reply is no longer one of its turns (another tab regenerated it).
    """
    return await sync_to_async(_turns_after)(session_key, conversation_id, reply_id)


def _turns_after(session_key: str, conversation_id: str, reply_id: str | None) -> list[int]:
    turns = list(_owned(session_key, conversation_id).turns.values_list("pk", "reply_id"))
    if reply_id is None:
        return [pk for pk, _ in turns]
    known = [reply for _, reply in turns]
    if reply_id not in known:
        raise Conflict(reply_id)
    return [pk for pk, _ in turns[known.index(reply_id) + 1 :]]


# A turn's fields that may each hold an answer's worth: a catch-up reads each as it sends it.
TEXTS = ("answer", "reasoning", "rendered")


async def turn_of(pk: int) -> Turn | None:
    """A turn with its conversation, by its key, without its `TEXTS` (see `stored`); None once
    it is gone (regenerated, pruned)."""
    turns = Turn.objects.select_related("conversation").defer(*TEXTS)
    return await turns.filter(pk=pk).afirst()


async def stored(turn: Turn, name: str) -> Any:
    """The turn's field `name`: as loaded, or, if it was not, read now and not kept on the turn,
    so that whoever holds the turn meanwhile (a socket that stopped reading) holds not that."""
    if name not in turn.get_deferred_fields():
        return getattr(turn, name)
    return await Turn.objects.filter(pk=turn.pk).values_list(name, flat=True).afirst()


async def find_turn(reply_id: str) -> Turn | None:
    """The turn of a reply, with its conversation (whose `session_key` says who owns it)."""
    return await Turn.objects.select_related("conversation").filter(reply_id=reply_id).afirst()


# -- reads for the views -----------------------------------------------------------------------


def list_conversations(session_key: str | None) -> list[Conversation]:
    """The session's conversations, the most recently active first."""
    if not session_key:
        return []
    return list(Conversation.objects.filter(session_key=session_key).order_by("-updated"))


def get_conversation(session_key: str | None, conversation_id: str) -> Conversation:
    """The session's conversation of that id; `ConversationNotFound` when there is none."""
    return _owned(session_key, conversation_id)


def _owned(
    session_key: str | None, conversation_id: str, *, for_update: bool = False
) -> Conversation:
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError:
        raise ConversationNotFound(conversation_id) from None
    rows = Conversation.objects.select_for_update() if for_update else Conversation.objects
    conversation = rows.filter(pk=key, session_key=session_key).first() if session_key else None
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation
