import uuid

import pytest

from chat.conversations import (
    Conflict,
    ConversationNotFound,
    begin_turn,
    find_turn,
    get_conversation,
    list_conversations,
    new_turn,
    turn_of,
    turns_after,
)
from chat.endings import Ending
from chat.models import Conversation, Turn
from chat.saving import end_turn

pytestmark = pytest.mark.django_db(transaction=True)


async def begin(question, *, reply_id, session_key="alice", conversation_id=None, **extra):
    return await begin_turn(
        session_key=session_key,
        conversation_id=conversation_id,
        question=question,
        model="gpt-4",
        provider=None,
        reply_id=reply_id,
        **extra,
    )


async def ask(question, **fields) -> tuple[str, list[dict[str, str]]]:
    """The new turn's conversation, and the messages the model is to receive for it."""
    begun = await begin(question, **fields)
    return begun.conversation, begun.messages


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


async def test_a_stopped_answer_counts_with_its_partial_text_and_an_unanswered_turn_not_at_all():
    conversation_id, _ = await ask("One?", reply_id="r1")
    await finish("r1", "Partly", status="stopped")
    await ask("Two?", reply_id="r2", conversation_id=conversation_id)
    await finish("r2", "", status="failed", error="upstream exploded")
    _, messages = await ask("Three?", reply_id="r3", conversation_id=conversation_id)

    # A question without its answer would put two user messages in a row.
    assert [m["content"] for m in messages] == ["One?", "Partly", "Three?"]


async def test_regenerate_replaces_the_last_turn_instead_of_adding_to_it():
    conversation_id, _ = await ask("First?", reply_id="r1")
    await finish("r1", "One.")
    await ask("Second?", reply_id="r2", conversation_id=conversation_id)
    await finish("r2", "A bad answer.")

    begun = await begin("Second?", reply_id="r3", conversation_id=conversation_id, regenerate="r2")

    assert [m["content"] for m in begun.messages] == ["First?", "One.", "Second?"]
    assert begun.replaces == "r2"
    assert await find_turn("r2") is None
    replies = [t.reply_id async for t in Turn.objects.filter(conversation_id=conversation_id)]
    assert replies == ["r1", "r3"]


@pytest.mark.parametrize("named", ["r1", "gone"], ids=["no longer last", "no longer there"])
async def test_a_regenerate_of_a_turn_that_is_not_the_last_replaces_nothing(named):
    conversation_id, _ = await ask("First?", reply_id="r1")
    await finish("r1", "One.")
    await ask("Second?", reply_id="r2", conversation_id=conversation_id)  # from another tab

    with pytest.raises(Conflict):
        await begin("First?", reply_id="r3", conversation_id=conversation_id, regenerate=named)

    replies = [t.reply_id async for t in Turn.objects.filter(conversation_id=conversation_id)]
    assert replies == ["r1", "r2"]


async def test_the_newest_turns_that_fit_the_budget_go_to_the_model_as_they_are(settings):
    settings.STREAMDEMO_CONTEXT_CHARS = 100
    conversation_id, _ = await ask("Q1" + "." * 28, reply_id="r1")  # 30 characters
    await finish("r1", "A1" + "." * 18)  # 20: this turn is 50 long
    for n in (2, 3):
        await ask(f"Q{n}" + "." * 8, reply_id=f"r{n}", conversation_id=conversation_id)
        await finish(f"r{n}", f"A{n}" + "." * 8)  # 20 a turn

    begun = await begin("Q4" + "." * 28, reply_id="r4", conversation_id=conversation_id)

    # 30 for the question, 40 for the two newest turns: the oldest (50) no longer fits.
    assert [m["content"][:2] for m in begun.messages] == ["Q2", "A2", "Q3", "A3", "Q4"]
    assert begun.left_out == 1
    assert (await find_turn("r4")).left_out == 1


async def test_a_question_alone_over_the_budget_is_sent_alone(settings):
    settings.STREAMDEMO_CONTEXT_CHARS = 10
    conversation_id, _ = await ask("First?", reply_id="r1")
    await finish("r1", "One.")

    begun = await begin("A long question", reply_id="r2", conversation_id=conversation_id)

    assert begun.messages == [{"role": "user", "content": "A long question"}]
    assert begun.left_out == 1


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


async def test_the_turns_after_a_reply_are_those_asked_since_it():
    conversation_id, _ = await ask("First?", reply_id="r1")
    await ask("Second?", reply_id="r2", conversation_id=conversation_id)
    await ask("Third?", reply_id="r3", conversation_id=conversation_id)

    after_first = await turns_after("alice", conversation_id, "r1")
    everything = await turns_after("alice", conversation_id, None)

    assert [(await turn_of(pk)).reply_id for pk in after_first] == ["r2", "r3"]
    assert [(await turn_of(pk)).reply_id for pk in everything] == ["r1", "r2", "r3"]
    assert await turns_after("alice", conversation_id, "r3") == []
    with pytest.raises(Conflict):
        await turns_after("alice", conversation_id, "gone")
    with pytest.raises(ConversationNotFound):
        await turns_after("bob", conversation_id, None)


async def test_the_thinking_of_earlier_turns_is_never_sent_back_to_the_model():
    conversation_id, _ = await ask("2+2?", reply_id="r1")
    await end_turn(
        "r1",
        Ending(status="done", text="4", reasoning="Two and two make four.", model="gpt-4"),
    )
    _, messages = await ask("And 3+3?", reply_id="r2", conversation_id=conversation_id)

    assert (await find_turn("r1")).reasoning == "Two and two make four."
    assert messages == [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ]


async def test_a_new_conversations_turn_is_known_before_it_is_stored_and_stored_as_known():
    known = new_turn("Why is the sky blue?")

    stored = await begin("Why is the sky blue?", reply_id="r1", new_conversation=known.conversation)

    assert stored == known
    assert known.messages == [{"role": "user", "content": "Why is the sky blue?"}]
    conversation = await Conversation.objects.aget(pk=known.conversation)
    assert (conversation.session_key, conversation.title) == ("alice", "Why is the sky blue?")
