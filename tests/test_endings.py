"""How a reply ended: the sentence shown under the answer, and the record stored and read back."""

import json

import pytest

from chat.endings import CRASHED, RESTARTED, WORKER_DIED, Ending, interrupted

BASE = {"text": "Half of it", "model": "gpt-4", "provider": "http://127.0.0.1:8080/v1"}


@pytest.mark.parametrize(
    ("ending", "note"),
    [
        (Ending(status="done", finish_reason="stop", **BASE), ""),
        (Ending(status="done", finish_reason="length", **BASE), "Ended at the length limit."),
        (
            Ending(status="stopped", finish_reason="stopped", **BASE),
            "Stopped: the answer so far is kept.",
        ),
        (
            Ending(
                status="failed",
                error_code="stalled",
                error_message="http://127.0.0.1:8080/v1: the answer stalled: nothing for 60 s",
                **BASE,
            ),
            "Cut off: http://127.0.0.1:8080/v1: the answer stalled: nothing for 60 s",
        ),
        (
            Ending(status="failed", error_code="upstream_failed", **BASE),
            "Cut off: the reply failed.",
        ),
    ],
    ids=["done", "length limit", "stopped", "failed", "failed without a message"],
)
def test_the_note_under_an_answer_says_how_it_ended_when_that_needs_saying(ending, note):
    assert ending.note == note


def test_an_ending_read_back_from_its_stored_form_is_the_same_ending():
    ending = Ending(
        status="done",
        finish_reason="stop",
        stats={"first_token_ms": 120, "total_ms": 900, "chunks": 4, "chunks_per_second": 5.0},
        usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        usage_reported=True,
        **BASE,
    )

    # The Redis log keeps it as JSON.
    assert Ending.from_dict(json.loads(json.dumps(ending.as_dict()))) == ending


def test_a_reply_its_server_lost_is_cut_off_with_its_text_kept_and_the_reason_said():
    ending = interrupted("so far", "gpt-4", None, RESTARTED, reasoning="thought")

    assert (ending.status, ending.error_code, ending.text, ending.reasoning) == (
        "failed",
        "interrupted",
        "so far",
        "thought",
    )
    assert ending.note == f"Cut off: {RESTARTED}"


@pytest.mark.parametrize(
    ("status", "text", "note"),
    [
        ("failed", "Half", "Cut off: the connection was lost"),
        ("failed", "", "No answer: the connection was lost"),
        ("stopped", "Half", "Stopped: the answer so far is kept."),
        ("stopped", "", "Stopped before the answer began."),
    ],
)
def test_only_an_answer_that_began_is_said_to_be_cut_off_or_kept(status, text, note):
    ending = Ending(
        status=status,
        text=text,
        model="gpt-4",
        error_message="the connection was lost" if status == "failed" else None,
    )

    assert ending.note == note


@pytest.mark.parametrize("message", [RESTARTED, WORKER_DIED, CRASHED])
def test_a_server_lost_before_any_text_claims_no_text_was_kept(message):
    ending = interrupted("", "gpt-4", None, message)

    assert ending.note.startswith("No answer: The server")
    assert ending.note.endswith("began.")
    assert "kept" not in ending.note
