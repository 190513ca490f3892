"""The replies one socket follows: those other tabs of its session ask in the conversation it
shows, and replies replayed from the database, paced by the socket's window."""

import pytest

from chat.models import Turn
from chat.replies import get_replies
from tests.support.upstream import Script
from tests.support.websocket import connect, new_session, receive, receive_reply, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(communicator, question: str, **fields) -> None:
    await communicator.send_json_to(
        {"type": "ask", "question": question, "render": False, **fields}
    )


async def asked_in_a_new_conversation(tab, upstream) -> dict:
    """The first reply of a new conversation, asked and answered in `tab`."""
    await ask(tab, "First?")
    frames = await receive_reply(tab)
    assert frames[-1]["type"] == "done"
    return frames[0]


async def test_a_tab_showing_a_conversation_follows_a_reply_asked_in_another(upstream):
    session = await new_session()
    asker, watcher = await connect(session), await connect(session)
    first = await asked_in_a_new_conversation(asker, upstream)
    await watcher.send_json_to(
        {"type": "resume", "reply": first["reply"], "after": -1, "render": False}
    )
    assert (await receive_reply(watcher))[-1]["type"] == "done"
    upstream.will_answer(Script(chunks=["Live", " too"], gated=True))

    await ask(asker, "Second?", conversation=first["conversation"])
    asked = await receive(asker)
    seen = await receive(watcher)
    # Live: each piece reaches the other tab before the next one exists upstream.
    assert (await receive(watcher))["content"] == "Live"
    assert upstream.exchanges[-1].sent == 1
    upstream.release(2)
    rest = await receive_reply(watcher)

    assert seen["type"] == "start"
    assert (seen["reply"], seen["question"]) == (asked["reply"], "Second?")
    assert (text_of(rest), rest[-1]["type"]) == (" too", "done")
    assert (await receive_reply(asker))[-1]["type"] == "done"
    await asker.disconnect()
    await watcher.disconnect()


async def test_another_sessions_tab_hears_nothing_of_a_conversation_it_cannot_see(upstream):
    asker = await connect(await new_session())
    first = await asked_in_a_new_conversation(asker, upstream)
    stranger = await connect(await new_session())
    await stranger.send_json_to({"type": "resume", "reply": first["reply"], "after": -1})
    assert (await receive(stranger))["code"] == "not_found"

    await ask(asker, "Second?", conversation=first["conversation"])
    await receive_reply(asker)

    assert await stranger.receive_nothing(timeout=0.5)
    await asker.disconnect()
    await stranger.disconnect()


async def test_a_regenerate_names_the_reply_it_replaces_to_every_tab(upstream):
    session = await new_session()
    asker, watcher = await connect(session), await connect(session)
    first = await asked_in_a_new_conversation(asker, upstream)
    await watcher.send_json_to({"type": "resume", "reply": first["reply"], "after": -1})
    await receive_reply(watcher)

    await ask(asker, "First?", conversation=first["conversation"], regenerate=first["reply"])
    mine, theirs = (await receive_reply(asker))[0], (await receive_reply(watcher))[0]

    assert mine["replaces"] == theirs["replaces"] == first["reply"]
    turns = [turn async for turn in Turn.objects.filter(conversation_id=first["conversation"])]
    assert [(turn.reply_id, turn.question) for turn in turns] == [(mine["reply"], "First?")]
    await asker.disconnect()
    await watcher.disconnect()


async def test_a_reply_replayed_from_the_database_waits_for_the_window_too(upstream, settings):
    session = await new_session()
    tab = await connect(session)
    upstream.will_answer(Script(chunks=["saved " * 500]))
    await ask(tab, "Say it")
    reply = (await receive_reply(tab))[0]["reply"]
    await tab.disconnect()
    await get_replies().log.forget(reply)
    settings.STREAMDEMO_SOCKET_WINDOW_BYTES = 1024

    again = await connect(session)
    await again.send_json_to({"type": "resume", "reply": reply, "after": -1, "render": False})
    start, delta = await receive(again), await receive(again)
    # 3 KB out: the final frame waits for an ack.
    assert await again.receive_nothing(timeout=0.2)
    await again.send_json_to({"type": "ack", "frames": 2})
    final = await receive(again)

    assert (start["type"], delta["content"]) == ("start", "saved " * 500)
    assert (final["type"], final["text"]) == ("done", "saved " * 500)
    await again.disconnect()
