"""Many turns updated in one statement: stored exactly as the ORM would store them."""

import pytest

from chat.conversations import begin_turn, find_turn
from chat.turn_updates import update_turns

pytestmark = pytest.mark.django_db(transaction=True)

ODD = "NUL \x00, a private-use \ue000, an emoji 🦜, quotes ' \" and a backslash \\"


async def begin(reply_id: str) -> None:
    await begin_turn(
        session_key="alice",
        conversation_id=None,
        question="Why?",
        model="gpt-4",
        provider=None,
        reply_id=reply_id,
    )


async def _update(changes, **options):
    from asgiref.sync import sync_to_async

    await sync_to_async(update_turns)(changes, **options)


async def test_each_turn_gets_its_own_values_whatever_text_they_hold():
    await begin("r1")
    await begin("r2")

    await _update(
        {
            "r1": {"answer": ODD, "stats": {"chunks": 3}, "usage": None, "status": "done"},
            "r2": {"answer": "plain", "stats": {}, "usage": {"total_tokens": 9}, "status": "done"},
        }
    )

    first, second = await find_turn("r1"), await find_turn("r2")
    assert (first.answer, first.stats, first.usage, first.status) == (
        ODD,
        {"chunks": 3},
        None,
        "done",
    )
    assert (second.answer, second.usage) == ("plain", {"total_tokens": 9})


async def test_only_turns_still_streaming_are_updated_when_asked_so():
    await begin("running")
    await begin("ended")
    await _update({"ended": {"answer": "The whole answer.", "status": "done"}})

    await _update(
        {"running": {"answer": "So far"}, "ended": {"answer": "So"}},
        streaming=True,
    )

    assert (await find_turn("running")).answer == "So far"
    assert (await find_turn("ended")).answer == "The whole answer."
