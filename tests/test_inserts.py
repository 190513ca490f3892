"""A row stored in one statement reads back as `create()` would have stored it."""

import uuid

import pytest
from django.db import IntegrityError

from chat.inserts import insert
from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db

QUESTION = "NUL \x00, a private-use \ue000, an emoji 🦜, quotes ' \" and a backslash \\"


def test_a_conversation_and_turn_read_back_with_their_defaults_and_times():
    conversation = Conversation(id=uuid.uuid4(), session_key="alice", title="Why?")
    insert(conversation)
    insert(Turn(conversation=conversation, reply_id="r1", question=QUESTION, model="gpt-4"))

    stored = Conversation.objects.get(pk=conversation.pk)
    turn = Turn.objects.get(reply_id="r1")
    assert (stored.session_key, stored.title) == ("alice", "Why?")
    assert stored.created is not None
    assert stored.created == conversation.created  # what save() would have set, and kept
    assert turn.question == QUESTION
    assert (turn.status, turn.answer, turn.stats, turn.usage, turn.rendered) == (
        "streaming",
        "",
        {},
        None,
        None,
    )
    assert turn.created is not None
    assert turn.conversation_id == conversation.pk


def test_a_second_turn_of_one_reply_is_refused_as_create_would_refuse_it():
    conversation = Conversation(id=uuid.uuid4(), session_key="alice", title="Why?")
    insert(conversation)
    insert(Turn(conversation=conversation, reply_id="r1", question="Why?"))

    with pytest.raises(IntegrityError):
        insert(Turn(conversation=conversation, reply_id="r1", question="Why not?"))
