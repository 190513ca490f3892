import uuid

import pytest

from chat.conversations import (
    ConversationNotFound,
    begin_turn,
    end_turn,
    find_turn,
    get_conversation,
    list_conversations,
)
from chat.endings import Ending
from chat.models import Conversation, Turn

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(question, *, reply_id, session_key="alice", conversation_id=None, **extra):
    return await begin_turn(
        session_key=session_key,
        conversation_id=conversation_id,
        question=question,
        model="gpt-4",
        provider=None,
        reply_id=reply_id,
        **extra,
    )


async def finish(reply_id, text, status="done", error=None):
    await end_turn(
        reply_id,
        Ending(
            status=status,
            text=text,
            model="gpt-4",
            provider="Custom",
            finish_reason="stop" if status == "done" else None,
            error_code="upstream_failed" if error else None,
            error_message=error,
            stats={"first_token_ms": 12, "total_ms": 80, "chunks": 4, "chunks_per_second": 50.0},
        ),
    )


async def test_a_first_question_starts_a_conversation_titled_after_it():
    conversation_id, messages = await ask("  Why is\nthe sky blue?  ", reply_id="r1")

    conversation = await Conversation.objects.aget(pk=conversation_id)
    assert conversation.title == "Why is the sky blue?"
    assert conversation.session_key == "alice"
    assert messages == [{"role": "user", "content": "  Why is\nthe sky blue?  "}]


async def test_a_long_first_question_gives_a_shortened_title():
    conversation_id, _ = await ask("word " * 40, reply_id="r1")

    title = (await Conversation.objects.aget(pk=conversation_id)).title
    assert len(title) <= 61
    assert title.endswith("…")


async def test_the_new_turn_is_stored_as_streaming_until_it_ends():
    await ask("Hi?", reply_id="r1")
    assert (await find_turn("r1")).status == "streaming"

    await finish("r1", "Hello!")

    turn = await find_turn("r1")
    assert (turn.status, turn.answer, turn.provider) == ("done", "Hello!", "Custom")
    assert turn.stats["chunks"] == 4


async def test_later_questions_carry_the_earlier_turns_as_context():
    conversation_id, _ = await ask("Name a colour.", reply_id="r1")
    await finish("r1", "Blue.")
    _, messages = await ask("Another?", reply_id="r2", conversation_id=conversation_id)

    assert messages == [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
    ]


async def test_a_stopped_answer_counts_with_its_partial_text_and_an_empty_one_is_skipped():
    conversation_id, _ = await ask("One?", reply_id="r1")
    await finish("r1", "Partly", status="stopped")
    await ask("Two?", reply_id="r2", conversation_id=conversation_id)
    await finish("r2", "", status="failed", error="upstream exploded")
    _, messages = await ask("Three?", reply_id="r3", conversation_id=conversation_id)

    assert [m["content"] for m in messages] == ["One?", "Partly", "Two?", "Three?"]


async def test_regenerate_replaces_the_last_turn_instead_of_adding_to_it():
    conversation_id, _ = await ask("First?", reply_id="r1")
    await finish("r1", "One.")
    await ask("Second?", reply_id="r2", conversation_id=conversation_id)
    await finish("r2", "A bad answer.")

    _, messages = await ask(
        "Second?", reply_id="r3", conversation_id=conversation_id, regenerate=True
    )

    assert [m["content"] for m in messages] == ["First?", "One.", "Second?"]
    assert await find_turn("r2") is None
    replies = [t.reply_id async for t in Turn.objects.filter(conversation_id=conversation_id)]
    assert replies == ["r1", "r3"]


@pytest.mark.parametrize("conversation_id", [str(uuid.uuid4()), "not-a-uuid"])
async def test_an_unknown_conversation_is_not_found(conversation_id):
    with pytest.raises(ConversationNotFound):
        await ask("Hi?", reply_id="r1", conversation_id=conversation_id)


async def test_another_sessions_conversation_is_not_found_and_is_left_untouched():
    conversation_id, _ = await ask("Mine?", reply_id="r1", session_key="alice")

    with pytest.raises(ConversationNotFound):
        await ask("Theirs?", reply_id="r2", session_key="bob", conversation_id=conversation_id)
    assert await find_turn("r2") is None


async def test_find_turn_names_the_session_that_owns_the_reply():
    await ask("Hi?", reply_id="r1", session_key="alice")

    turn = await find_turn("r1")

    assert turn.conversation.session_key == "alice"
    assert await find_turn("nope") is None


async def test_a_session_lists_only_its_own_conversations_newest_first():
    first, _ = await ask("Old one", reply_id="r1")
    _second, _ = await ask("New one", reply_id="r2")
    await ask("Someone else's", reply_id="r3", session_key="bob")
    await ask("Back to the old one", reply_id="r4", conversation_id=first)

    listed = [c.title for c in await _sync(list_conversations, "alice")]

    assert listed == ["Old one", "New one"]
    assert await _sync(list_conversations, None) == []


async def test_get_conversation_hides_foreign_conversations():
    conversation_id, _ = await ask("Mine?", reply_id="r1")

    assert (await _sync(get_conversation, "alice", conversation_id)).title == "Mine?"
    with pytest.raises(ConversationNotFound):
        await _sync(get_conversation, "bob", conversation_id)
    with pytest.raises(ConversationNotFound):
        await _sync(get_conversation, None, conversation_id)


async def _sync(function, *args):
    from asgiref.sync import sync_to_async

    return await sync_to_async(function)(*args)
