"""What a turn keeps of how its reply ended, and the turns stored before it kept that."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chat.endings import STREAMING_NOTE, Ending
from chat.models import Conversation, Turn

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
STATS = {"first_token_ms": 120, "total_ms": 900, "chunks": 2, "chunks_per_second": 5.0}


def new_turn(reply_id: str = "r1", **fields) -> Turn:
    conversation = Conversation.objects.create(session_key="alice", title="Hi?")
    return Turn.objects.create(
        conversation=conversation, reply_id=reply_id, question="Hi?", **fields
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ending",
    [
        Ending(
            status="done",
            text="Hello",
            model="gpt-4",
            provider="http://127.0.0.1:8080/v1",
            finish_reason="stop",
            stats=STATS,
            usage=USAGE,
            usage_reported=True,
        ),
        Ending(status="stopped", text="Hel", model="gpt-4", finish_reason="stopped", stats=STATS),
        Ending(
            status="failed",
            text="",
            model="gpt-4",
            provider="NoSuchProvider",
            error_code="unknown_provider",
            error_message="g4f provider NoSuchProvider: g4f has no provider named NoSuchProvider",
        ),
    ],
    ids=["done", "stopped", "failed"],
)
def test_a_saved_turn_gives_back_the_ending_it_was_saved_with(ending):
    new_turn(**Turn.fields_of(ending))

    turn = Turn.objects.get(reply_id="r1")

    assert turn.ending == ending
    assert turn.note == ending.note


@pytest.mark.django_db
def test_a_turn_still_streaming_has_no_ending_and_says_so():
    turn = new_turn()

    assert (turn.ending, turn.note) == (None, STREAMING_NOTE)


@pytest.mark.django_db(transaction=True)
def test_turns_stored_before_endings_had_fields_get_them_from_what_was_kept():
    before, after = [("chat", "0001_initial")], [("chat", "0002_turn_ending")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    conversation = old.get_model("chat", "Conversation").objects.create(session_key="s", title="t")
    for status, stats in [
        ("done", {**STATS, "usage": USAGE}),
        ("stopped", STATS),
        ("failed", {}),
        ("streaming", {}),
    ]:
        old.get_model("chat", "Turn").objects.create(
            conversation=conversation, reply_id=status, question="q", status=status, stats=stats
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # The model as it was then: later migrations add columns not there yet.
        then = executor.loader.project_state(after).apps.get_model("chat", "Turn")
        moved = {
            turn.reply_id: (turn.finish_reason, turn.error_code, turn.usage, turn.stats)
            for turn in then.objects.all()
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert moved == {
        "done": ("stop", "", USAGE, STATS),
        "stopped": ("stopped", "", None, STATS),
        "failed": ("", "upstream_failed", None, {}),
        "streaming": ("", "", None, {}),
    }
