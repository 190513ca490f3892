"""The stored turn of a reply: a new conversation's question goes upstream while its turn is
stored, and an answer whose turn could not be stored ends said so."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError

from chat import conversations
from chat.conversations import find_turn
from chat.replies import get_replies
from tests.support.upstream import Script
from tests.support.websocket import connect, receive, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_new_conversation_streams_while_the_database_is_busy_and_is_saved_after(upstream):
    upstream.will_answer(Script(chunks=["Not", " waiting"], gated=True))
    tab = await connect()
    # The database thread busy with something else: what waits on it, waits.
    busy = threading.Event()
    occupied = asyncio.ensure_future(sync_to_async(busy.wait)())
    try:
        await tab.send_json_to({"type": "ask", "question": "Quick?", "render": False})
        start = await receive(tab)
        first = await receive(tab)
    finally:
        busy.set()
        await occupied
    upstream.release(2)
    rest = await receive_reply(tab)

    assert (start["type"], first["content"]) == ("start", "Not")
    assert rest[-1]["type"] == "done"
    await asyncio.wait_for(get_replies().until_idle(), 10)
    turn = await find_turn(start["reply"])
    assert (str(turn.conversation_id), turn.question) == (start["conversation"], "Quick?")
    assert turn.answer == "Not" + text_of(rest)
    await tab.disconnect()


async def test_an_answer_whose_new_turn_cannot_be_stored_ends_failed_and_said_so(
    upstream, monkeypatch
):
    async def refused(**_):
        raise DatabaseError("disk full")

    monkeypatch.setattr(conversations, "begin_turn", refused)
    upstream.will_answer(Script(chunks=["Lost", " anyway", "."], gated=True))
    tab = await connect()
    await tab.send_json_to({"type": "ask", "question": "Saved?", "render": False})

    frames = await receive_reply(tab, upstream)

    assert frames[-1]["type"] == "error"
    assert frames[-1]["code"] == "not_saved"
    assert "could not save this question" in frames[-1]["message"]
    assert await find_turn(frames[0]["reply"]) is None
    await tab.disconnect()
