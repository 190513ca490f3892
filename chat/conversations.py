"""What the app keeps of a chat: the async calls the consumer makes and the reads the views make.

Each browser sees only its own conversations: every lookup is by the session key as well as the
id, and a foreign id is indistinguishable from an unknown one. The async functions run their
queries in Django's database thread (`sync_to_async`) so the event loop never waits on them, and
a turn's writes happen in one transaction.
"""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.db import transaction

from chat.endings import Ending
from chat.models import Conversation, Turn, title_from

Message = dict[str, str]


class ConversationNotFound(Exception):
    """No conversation with that id belongs to this session."""


async def begin_turn(
    *,
    session_key: str,
    conversation_id: str | None,
    question: str,
    model: str,
    provider: str | None,
    reply_id: str,
    regenerate: bool = False,
) -> tuple[str, list[Message]]:
    """Store a new streaming turn; return its conversation's id and the messages to send upstream.

    With `regenerate` the conversation's last turn is replaced by this one.
    """
    return await sync_to_async(_begin_turn)(
        session_key, conversation_id, question, model, provider, reply_id, regenerate
    )


@transaction.atomic
def _begin_turn(
    session_key: str,
    conversation_id: str | None,
    question: str,
    model: str,
    provider: str | None,
    reply_id: str,
    regenerate: bool,
) -> tuple[str, list[Message]]:
    earlier: list[Turn] = []
    if conversation_id is None:
        # A new conversation has no history and was created just now: two queries fewer per ask.
        conversation = Conversation.objects.create(
            session_key=session_key, title=title_from(question)
        )
    else:
        conversation = _owned(session_key, conversation_id, for_update=True)
        earlier = list(conversation.turns.all())
        if regenerate and earlier:
            earlier.pop().delete()
        conversation.save(update_fields=["updated"])
    Turn.objects.create(
        conversation=conversation,
        reply_id=reply_id,
        question=question,
        model=model,
        provider=provider or "",
    )
    return str(conversation.id), [*history(earlier), {"role": "user", "content": question}]


async def end_turn(reply_id: str, ending: Ending) -> None:
    """Record how a reply ended, as its `Ending` says (the text partial when stopped or failed)."""
    await Turn.objects.filter(reply_id=reply_id).aupdate(**Turn.fields_of(ending))


async def find_turn(reply_id: str) -> Turn | None:
    """The turn of a reply, with its conversation (whose `session_key` says who owns it)."""
    return await Turn.objects.select_related("conversation").filter(reply_id=reply_id).afirst()


def history(turns: list[Turn]) -> list[Message]:
    """Earlier turns as chat messages; an answer with no text yet is left out."""
    messages: list[Message] = []
    for turn in turns:
        messages.append({"role": "user", "content": turn.question})
        if turn.answer:
            messages.append({"role": "assistant", "content": turn.answer})
    return messages


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
