"""What is saved of a turn when its reply ends, even when the database refuses it."""

import pytest
from django.db import DatabaseError

from chat.conversations import begin_turn, find_turn
from chat.endings import Ending
from chat.models import Turn
from chat.saving import end_turn

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(question, *, reply_id):
    await begin_turn(
        session_key="alice",
        conversation_id=None,
        question=question,
        model="gpt-4",
        provider=None,
        reply_id=reply_id,
    )


async def finish(reply_id, text):
    await end_turn(reply_id, Ending(status="done", text=text, model="gpt-4", finish_reason="stop"))


async def test_an_ending_the_database_refuses_marks_the_turn_failed_with_the_text_saved_before(
    monkeypatch, caplog
):
    await ask("Long?", reply_id="r1")
    await Turn.objects.filter(reply_id="r1").aupdate(answer="Saved so far")

    def refused(ending):
        raise DatabaseError("value too long for type character varying(200)")

    monkeypatch.setattr(Turn, "fields_of", staticmethod(refused))
    await finish("r1", "Saved so far, and more")

    turn = await find_turn("r1")
    assert (turn.status, turn.error_code, turn.answer) == ("failed", "not_saved", "Saved so far")
    assert turn.note.startswith("Cut off: The server could not save the end of this answer")
    assert "the end of reply r1 could not be saved" in caplog.text
