"""What is saved of a turn when its reply ends, even when the database refuses it."""

import asyncio

import pytest
from django.db import DatabaseError

from chat.conversations import begin_turn, find_turn
from chat.endings import Ending
from chat.models import Turn
from chat.saving import end_turn, save_ending

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


async def test_ends_that_come_together_are_saved_together_each_as_it_was():
    for n in range(5):
        await ask(f"Question {n}?", reply_id=f"r{n}")

    await asyncio.gather(
        *(
            save_ending(f"r{n}", Ending(status="done", text=f"Answer {n}", model="gpt-4"))
            for n in range(5)
        )
    )

    for n in range(5):
        turn = await find_turn(f"r{n}")
        assert (turn.status, turn.answer) == ("done", f"Answer {n}")


async def test_an_end_the_database_refuses_among_others_loses_none_of_theirs(monkeypatch):
    for n in range(3):
        await ask(f"Question {n}?", reply_id=f"r{n}")
    fields_of = Turn.fields_of

    def refusing_one(ending):
        if ending.text == "too long":
            raise DatabaseError("value too long")
        return fields_of(ending)

    monkeypatch.setattr(Turn, "fields_of", staticmethod(refusing_one))
    texts = ["fine", "too long", "also fine"]
    await asyncio.gather(
        *(
            save_ending(f"r{n}", Ending(status="done", text=text, model="gpt-4"))
            for n, text in enumerate(texts)
        )
    )

    saved = [await find_turn(f"r{n}") for n in range(3)]
    assert [(turn.status, turn.answer) for turn in saved] == [
        ("done", "fine"),
        ("failed", ""),
        ("done", "also fine"),
    ]
    assert saved[1].error_code == "not_saved"
